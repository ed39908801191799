// The room's safety rules from outside, as an attacker would try them: real WebSocket clients from
// Node against the worker in Miniflare, WeChat logins against the fake platform server. This
// worker fails open (MODERATION_FAIL_MODE=open); the fail-closed refusal is in test/worker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminFlaggedResponse } from "../../worker/protocol";
import type { LocalWorker } from "../../scripts/local-worker";
import { adultLogin, enter, FrameSocket, startWithPlatform, type PlatformServer, type Refusal } from "./helpers";

let worker: LocalWorker;
let platform: PlatformServer;

beforeAll(async () => {
  ({ worker, platform } = await startWithPlatform({ port: 9117, vars: { D1_FLUSH_DELAY_MS: "50", MODERATION_FAIL_MODE: "open" } }));
});
afterAll(async () => {
  await worker?.stop();
  await platform?.close();
});

/** Two WeChat users paired through the lobby; returns their logins and the room URL. */
async function wechatPair() {
  const tag = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const alice = await adultLogin(worker.url, "wechat", `e2e-a-${tag}`);
  const bob = await adultLogin(worker.url, "wechat", `e2e-b-${tag}`);
  const lobbyA = await FrameSocket.open(`${worker.wsUrl}/api/lobby`, alice.token);
  await lobbyA.next("waiting");
  const lobbyB = await FrameSocket.open(`${worker.wsUrl}/api/lobby`, bob.token);
  const [match] = await Promise.all([lobbyA.next("matched"), lobbyB.next("matched")]);
  return { alice, bob, roomUrl: `${worker.wsUrl}/api/rooms/${match.roomId}`, roomId: match.roomId as string };
}

describe("room safety end to end (fail-open worker)", () => {
  it("a WeChat user without a ticket is told to refresh it, and what they send is flagged for admins", async () => {
    const p = await wechatPair();
    const bob = await enter(`${p.roomUrl}?ticket=${encodeURIComponent(p.bob.checkTicket!)}`, p.bob.token);
    const alice = await enter(p.roomUrl, p.alice.token);
    expect(await alice.next("error")).toEqual({ type: "error", code: "ticket_required", message: expect.any(String) });

    alice.send({ type: "send", clientId: "unchecked-1", text: "no ticket here" });
    const ack = await alice.next("ack");
    expect(await bob.next("message")).toMatchObject({ id: ack.id, text: "no ticket here" });

    // Bob's checked message is not flagged; alice's unchecked one is, once copied to D1.
    bob.send({ type: "send", clientId: "checked-1", text: "with a ticket" });
    const checked = await bob.next("ack");
    let flagged: AdminFlaggedResponse = { messages: [], nextCursor: null };
    for (let i = 0; i < 100 && !flagged.messages.some((m) => m.messageId === ack.id); i++) {
      await new Promise((r) => setTimeout(r, 50));
      const res = await fetch(`${worker.url}/api/admin/flagged?limit=100`, { headers: { Authorization: `Bearer ${worker.vars.ADMIN_TOKEN}` } });
      flagged = (await res.json()) as AdminFlaggedResponse;
    }
    expect(flagged.messages.find((m) => m.messageId === ack.id)).toMatchObject({ reason: "unchecked" });
    expect(flagged.messages.find((m) => m.messageId === checked.id)).toBeUndefined();
    alice.ws.close();
    bob.ws.close();
  });

  it("a reconnect loop is refused with 429 too_many_attempts, and the partner sees one presence change", async () => {
    const p = await wechatPair();
    const bob = await enter(`${p.roomUrl}?ticket=${encodeURIComponent(p.bob.checkTicket!)}`, p.bob.token);
    const url = `${p.roomUrl}?after=0&ticket=${encodeURIComponent(p.alice.checkTicket!)}`;
    let refused: Refusal | null = null;
    let last: FrameSocket | null = null;
    for (let i = 0; i < 30 && !refused; i++) {
      const result = await FrameSocket.attempt(url, p.alice.token);
      if (result instanceof FrameSocket) last = result;
      else refused = result;
    }
    expect(refused).toEqual({ status: 429, body: { error: { code: "too_many_attempts", message: expect.any(String) } } });

    expect(await bob.next("presence")).toEqual({ type: "presence", partner: "online" });
    last!.send({ type: "send", clientId: "marker", text: "marker" });
    expect(await bob.next("message")).toMatchObject({ text: "marker" });
    expect(bob.pending().filter((f) => f.type === "presence")).toEqual([]);
    last!.ws.close();
    bob.ws.close();
  });

  it("a send whose content check is still running when the partner erases themselves is neither stored nor acked", async () => {
    const p = await wechatPair();
    const alice = await enter(`${p.roomUrl}?ticket=${encodeURIComponent(p.alice.checkTicket!)}`, p.alice.token);
    const bob = await enter(`${p.roomUrl}?ticket=${encodeURIComponent(p.bob.checkTicket!)}`, p.bob.token);
    // "[slow]": the fake platform answers after 2 s; this fail-open worker gives up after 800 ms
    // and would deliver it flagged. Alice erases herself meanwhile.
    bob.send({ type: "send", clientId: "in-flight", text: "still checking [slow]" });
    const erased = await fetch(`${worker.url}/api/me`, { method: "DELETE", headers: { Authorization: `Bearer ${p.alice.token}` } });
    expect(erased.status).toBe(200);
    expect(await alice.next("error")).toMatchObject({ code: "conversation_ended" });
    expect(await bob.next("partner_left")).toEqual({ type: "partner_left" });
    expect(await bob.next("error")).toMatchObject({ code: "conversation_ended" });
    // The close is the sync point: nothing can arrive after it.
    expect(await bob.closed).toBe(4002);
    expect(bob.pending().filter((f) => f.type === "ack")).toEqual([]);
  });
});
