import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sealTicket } from "../../worker/platform/ticket";
import { d1Messages, mustConnect, platformPair, sendAndAck } from "./helpers";

// The platform content check cannot be skipped by leaving out (or faking) the check ticket, and
// sends are stored in the order they arrive, whatever each one's check costs.
// These tests run with MODERATION_FAIL_MODE=closed (wrangler.toml); open mode is in test/node.

const wechatPair = () => platformPair("wechat", "wx");

const withTicket = (path: string, ticket: string) => `${path}?ticket=${encodeURIComponent(ticket)}`;

describe("room: the check ticket cannot be skipped (fail closed)", () => {
  it("refuses every send of a WeChat user without a valid ticket, stores nothing, and says so right after connect", async () => {
    const p = await wechatPair();
    const expired = (await sealTicket(env, "openid-x", Date.now() - 3 * 60 * 60 * 1000, p.alice.user.id)).ticket;
    const bob = await mustConnect(withTicket(p.roomPath, p.bob.checkTicket!), p.bob.token);
    await bob.next("history");
    await bob.next("presence");
    const variants = [p.roomPath, withTicket(p.roomPath, expired), withTicket(p.roomPath, p.bob.checkTicket!)];
    for (const [i, path] of variants.entries()) {
      const ws = await mustConnect(`${path}${path.includes("?") ? "&" : "?"}after=0`, p.alice.token);
      await ws.next("history");
      await ws.next("presence");
      const early = await ws.next("error");
      expect(early).toMatchObject({ code: "ticket_required" });
      expect(early).not.toHaveProperty("clientId");
      ws.send({ type: "send", clientId: `no-ticket-${i}`, text: "unchecked words" });
      expect(await ws.next("error")).toMatchObject({ code: "ticket_required", clientId: `no-ticket-${i}` });
      ws.close();
      await ws.waitClosed();
    }
    // The partner got none of it; their own marker arrives after all of that.
    expect(await sendAndAck(bob, "marker")).toMatchObject({ seq: 1 });
    expect(bob.pending().filter((f: any) => f.type === "message")).toEqual([]);
    await p.stub.flush();
    expect((await d1Messages(p.roomId, p.bob.token)).map((m) => m.text)).toEqual(["marker"]);

    // The client's answer: reconnect with a valid ticket (a fresh login's) and resend.
    const fresh = await mustConnect(withTicket(p.roomPath, p.alice.checkTicket!), p.alice.token);
    await fresh.next("history");
    await fresh.next("presence");
    expect(await sendAndAck(fresh, "checked words", "no-ticket-0")).toMatchObject({ seq: 2 });
    expect(fresh.pending().filter((f: any) => f.type === "error")).toEqual([]);
    fresh.close();
    bob.close();
  });
});

describe("room: sends are committed in arrival order", () => {
  it("a quick send waits for the slow content check of an earlier one", async () => {
    const p = await wechatPair();
    const a = await mustConnect(withTicket(p.roomPath, p.alice.checkTicket!), p.alice.token);
    await a.next("history");
    await a.next("presence");
    // "[slow]" makes the fake platform answer after 2 s, past MODERATION_TIMEOUT_MS.
    a.send({ type: "send", clientId: "slow", text: "first [slow]" });
    a.send({ type: "send", clientId: "quick", text: "second" });
    const ack = await a.next("ack", 10_000);
    expect(ack).toMatchObject({ clientId: "quick", seq: 1 });
    // The first one's outcome was already out when the second was acked.
    expect(a.pending()).toEqual([expect.objectContaining({ type: "error", code: "moderation_unavailable", clientId: "slow" })]);
    a.close();
  });
});
