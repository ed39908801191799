import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ROOM_CONNECT_RULE } from "../../worker/limits/rules";
import { connect, enter, pair, TestSocket } from "./helpers";

// Limits hold per person, not per socket: reconnecting, hibernation and eviction refill nothing.

/**
 * Sends `n` messages at once and collects what each got back: "ack", the error code, or "closed"
 * (sustained refusals close the socket with 1008, the flood rule).
 */
async function burst(ws: TestSocket, n: number, tag: string): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${tag}-${i}`);
  for (const clientId of ids) ws.send({ type: "send", clientId, text: `${tag} ${clientId}` });
  const outcome = new Map<string, string>();
  while (outcome.size < n && !ws.closed) {
    const frame = await ws.next().catch(() => null);
    if (frame?.type === "ack") outcome.set(frame.clientId, "ack");
    else if (frame?.type === "error") outcome.set(frame.clientId, frame.code);
  }
  return ids.map((id) => outcome.get(id) ?? "closed");
}

const acks = (outcomes: string[]) => outcomes.filter((o) => o === "ack").length;

describe("room: message limit per user", () => {
  it("follows the user across reconnects: 5 sockets x 11 sends give about 11 acks, not 50", async () => {
    const p = await pair();
    const outcomes: string[] = [];
    for (let round = 0; round < 5; round++) {
      const a = await enter(`${p.roomPath}?after=0`, p.alice.token);
      outcomes.push(...(await burst(a.ws, 11, `r${round}`)));
      a.ws.close();
      await a.ws.waitClosed();
    }
    expect(outcomes).toHaveLength(55);
    // Burst 10, then 1/s: the few seconds this takes on a busy machine refill a few more at most.
    expect(acks(outcomes)).toBeGreaterThanOrEqual(10);
    expect(acks(outcomes)).toBeLessThan(20);
    expect(outcomes.filter((o) => o !== "ack").every((o) => o === "rate_limited" || o === "closed")).toBe(true);

    // The partner's budget is their own.
    const b = await enter(p.roomPath, p.bob.token);
    expect(acks(await burst(b.ws, 3, "bob"))).toBe(3);
    b.ws.close();
  });

  it("survives eviction: the budget is rebuilt from the stored messages, not refilled", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    expect(acks(await burst(a.ws, 11, "before"))).toBe(10);

    await evictDurableObject(p.stub, { webSockets: "hibernate" });
    const after = await burst(a.ws, 5, "after");
    expect(acks(after)).toBeLessThanOrEqual(2);
    expect(after).toContain("rate_limited");
    a.ws.close();
  });
});

describe("room: connects per user", () => {
  it("refuses a reconnect loop with 429 too_many_attempts and shows the partner one presence change", async () => {
    const p = await pair();
    const b = await enter(p.roomPath, p.bob.token);
    let last: TestSocket | null = null;
    let refused: Response | null = null;
    let attempts = 0;
    while (!refused && attempts < ROOM_CONNECT_RULE.burst + 10) {
      attempts++;
      const result = await connect(`${p.roomPath}?after=0`, p.alice.token);
      if (result instanceof Response) refused = result;
      else last = result;
    }
    expect(refused?.status).toBe(429);
    expect(await refused!.json()).toEqual({ error: { code: "too_many_attempts", message: expect.stringMatching(/try again/) } });
    expect(attempts).toBeLessThanOrEqual(ROOM_CONNECT_RULE.burst + 3);

    // The last accepted socket still works; the partner saw alice come online once, not per socket.
    expect(await b.ws.next("presence")).toEqual({ type: "presence", partner: "online" });
    last!.send({ type: "send", clientId: "marker", text: "marker" });
    expect(await b.ws.next("message")).toMatchObject({ text: "marker" });
    expect(b.ws.pending().filter((f: any) => f.type === "presence")).toEqual([]);
    last!.close();
    b.ws.close();
  });
});

describe("room: typing", () => {
  it("relays at most one typing frame per sender every ~2 s", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    await a.ws.next("presence");
    for (let i = 0; i < 50; i++) b.ws.send({ type: "typing" });
    b.ws.send({ type: "send", clientId: "marker", text: "marker" });
    expect(await a.ws.next("message")).toMatchObject({ text: "marker" });
    expect(a.ws.pending().filter((f: any) => f.type === "typing")).toHaveLength(1);

    // Per user, not per socket: a fresh socket does not reset it.
    const b2 = await enter(`${p.roomPath}?after=1`, p.bob.token);
    b2.ws.send({ type: "typing" });
    b2.ws.send({ type: "send", clientId: "marker-2", text: "marker 2" });
    expect(await a.ws.next("message")).toMatchObject({ text: "marker 2" });
    expect(a.ws.pending().filter((f: any) => f.type === "typing")).toHaveLength(1);
    a.ws.close();
    b2.ws.close();
  });
});
