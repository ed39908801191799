// End to end, as two people would use it: real WebSocket clients from Node against the worker
// running in Miniflare (bundled from worker/index.ts, D1 migrated from drizzle/).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { LoginResponse, MessagesResponse, RoomServerFrame } from "../../worker/protocol";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";

let worker: LocalWorker;
beforeAll(async () => {
  worker = await startLocalWorker({ vars: { D1_FLUSH_DELAY_MS: "50", RECONNECT_GRACE_MS: "5000" } });
});
afterAll(async () => {
  await worker?.stop();
});

/** A socket whose frames can be awaited in order. */
class Client {
  private frames: any[] = [];
  private waiters: { type: string; resolve: (f: any) => void }[] = [];
  readonly closed: Promise<number>;
  constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      const i = this.waiters.findIndex((w) => w.type === frame.type);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(frame);
      else this.frames.push(frame);
    });
    this.closed = new Promise((resolve) => ws.on("close", (code) => resolve(code)));
  }
  static open(url: string, token: string): Promise<Client> {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
    const client = new Client(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(client));
      ws.once("error", reject);
    });
  }
  next<T = any>(type: string, timeoutMs = 10_000): Promise<T> {
    const i = this.frames.findIndex((f) => f.type === type);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      this.waiters.push({ type, resolve });
      setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`)), timeoutMs);
    });
  }
  send(frame: unknown) {
    this.ws.send(JSON.stringify(frame));
  }
}

async function login(name: string): Promise<LoginResponse> {
  const res = await fetch(`${worker.url}/api/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ platform: "dev", code: name }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as LoginResponse;
  // The profile step's 18+ confirmation, which matching needs.
  const adult = await fetch(`${worker.url}/api/me/adult`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${body.token}` },
    body: JSON.stringify({ confirmed: true }),
  });
  expect(adult.status).toBe(200);
  return body;
}

async function say(from: Client, to: Client, text: string, clientId: string) {
  from.send({ type: "send", clientId, text });
  const ack = await from.next<Extract<RoomServerFrame, { type: "ack" }>>("ack");
  const got = await to.next<Extract<RoomServerFrame, { type: "message" }>>("message");
  expect(got).toMatchObject({ id: ack.id, seq: ack.seq, text, from: "partner" });
  return ack;
}

describe("end to end through Miniflare", () => {
  it("two people log in, meet, chat both ways, survive a drop, and the history API has it all", async () => {
    const alice = await login(`alice-${Date.now()}`);
    const bob = await login(`bob-${Date.now()}`);

    const lobbyA = await Client.open(`${worker.wsUrl}/api/lobby`, alice.token);
    expect((await lobbyA.next("waiting")).online).toBeGreaterThanOrEqual(1);
    const lobbyB = await Client.open(`${worker.wsUrl}/api/lobby`, bob.token);
    const [matchA, matchB] = await Promise.all([lobbyA.next("matched"), lobbyB.next("matched")]);
    expect(matchA.roomId).toBe(matchB.roomId);
    expect(await lobbyA.closed).toBe(1000);

    const roomUrl = `${worker.wsUrl}/api/rooms/${matchA.roomId}`;
    const a = await Client.open(roomUrl, alice.token);
    expect((await a.next("history")).messages).toEqual([]);
    const b = await Client.open(roomUrl, bob.token);
    await b.next("history");
    expect((await b.next("presence")).partner).toBe("online");

    const sent = [];
    sent.push(await say(a, b, "你好！", "a1"));
    sent.push(await say(b, a, "嗨，你也喜欢旅行吗？", "b1"));
    sent.push(await say(a, b, "对呀", "a2"));

    // Alice's phone loses its connection; bob keeps talking.
    a.ws.terminate();
    expect((await b.next("presence")).partner).toBe("offline");
    b.send({ type: "send", clientId: "b2", text: "你还在吗？" });
    sent.push(await b.next("ack"));
    b.send({ type: "send", clientId: "b3", text: "信号不好吗" });
    sent.push(await b.next("ack"));

    const back = await Client.open(`${roomUrl}?after=${sent[2].seq}`, alice.token);
    const resumed = await back.next("history");
    expect(resumed.messages.map((m: any) => m.text)).toEqual(["你还在吗？", "信号不好吗"]);
    expect((await b.next("presence")).partner).toBe("online");
    sent.push(await say(back, b, "我回来了", "a3"));

    // The copy to D1 is batched; poll the history API until it has caught up.
    let history: MessagesResponse = { messages: [], nextBefore: null };
    for (let i = 0; i < 100 && history.messages.length < sent.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const res = await fetch(`${worker.url}/api/conversations/${matchA.roomId}/messages`, {
        headers: { Authorization: `Bearer ${bob.token}` },
      });
      history = (await res.json()) as MessagesResponse;
    }
    expect(history.messages.map((m) => m.id)).toEqual(sent.map((s) => s.id));
    expect(history.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(history.messages.map((m) => m.from)).toEqual(["partner", "me", "partner", "me", "me", "partner"]);

    back.send({ type: "leave" });
    expect(await b.next("partner_left")).toEqual({ type: "partner_left" });
    b.ws.close();
  });
});
