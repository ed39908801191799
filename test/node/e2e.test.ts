// End to end, as two people would use it: real WebSocket clients from Node against the worker
// running in Miniflare (bundled from worker/index.ts, D1 migrated from drizzle/).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessagesResponse, RoomServerFrame } from "../../worker/protocol";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { adultLogin, FrameSocket } from "./helpers";

let worker: LocalWorker;
beforeAll(async () => {
  worker = await startLocalWorker({ vars: { D1_FLUSH_DELAY_MS: "50", RECONNECT_GRACE_MS: "5000" } });
});
afterAll(async () => {
  await worker?.stop();
});

const login = (name: string) => adultLogin(worker.url, "dev", name);

async function say(from: FrameSocket, to: FrameSocket, text: string, clientId: string) {
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

    const lobbyA = await FrameSocket.open(`${worker.wsUrl}/api/lobby`, alice.token);
    expect((await lobbyA.next("waiting")).online).toBeGreaterThanOrEqual(1);
    const lobbyB = await FrameSocket.open(`${worker.wsUrl}/api/lobby`, bob.token);
    const [matchA, matchB] = await Promise.all([lobbyA.next("matched"), lobbyB.next("matched")]);
    expect(matchA.roomId).toBe(matchB.roomId);
    expect(await lobbyA.closed).toBe(1000);

    const roomUrl = `${worker.wsUrl}/api/rooms/${matchA.roomId}`;
    const a = await FrameSocket.open(roomUrl, alice.token);
    expect((await a.next("history")).messages).toEqual([]);
    const b = await FrameSocket.open(roomUrl, bob.token);
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

    const back = await FrameSocket.open(`${roomUrl}?after=${sent[2].seq}`, alice.token);
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
