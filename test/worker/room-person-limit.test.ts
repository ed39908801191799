// One message budget per person, across every room and socket they have open: the attack was one
// user in 5 rooms at once getting 5 × the burst acked in 51 ms.
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { messageRule } from "../../worker/limits/rules";
import { devLogin, enter, getOrCreateConversation, type TestSocket } from "./helpers";

const rule = messageRule(env);

/** Sends `count` messages on `ws` at once and waits for every answer: "ack" or the error code. */
async function burst(ws: TestSocket, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => crypto.randomUUID());
  for (const clientId of ids) ws.send({ type: "send", clientId, text: "刷屏" });
  const outcomes: string[] = [];
  while (outcomes.length < count) {
    const f = await ws.next<{ type: string; code?: string; clientId?: string }>(undefined, 10_000);
    if (f.type === "ack") outcomes.push("ack");
    else if (f.type === "error" && f.clientId && ids.includes(f.clientId)) outcomes.push(f.code!);
  }
  return outcomes;
}

describe("the message budget is per person", () => {
  it(`one user in 5 rooms sending ${rule.burst} each at once: at most the one burst (plus what refilled meanwhile) is acked`, async () => {
    const alice = await devLogin();
    const rooms = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const partner = await devLogin();
        const conversation = await getOrCreateConversation(env.DB, alice.user.id, partner.user.id, Date.now());
        return (await enter(`/api/rooms/${conversation.id}`, alice.token)).ws;
      }),
    );
    const started = Date.now();
    const outcomes = (await Promise.all(rooms.map((ws) => burst(ws, rule.burst)))).flat();
    const seconds = (Date.now() - started) / 1000;
    const acked = outcomes.filter((o) => o === "ack").length;
    // Tokens refill at rule.perSecond while the burst is answered: a busy machine may add a few.
    expect(acked).toBeLessThanOrEqual(rule.burst + Math.ceil(seconds * rule.perSecond));
    expect(acked).toBeGreaterThanOrEqual(rule.burst);
    expect(outcomes.filter((o) => o !== "ack").every((o) => o === "rate_limited")).toBe(true);
    for (const ws of rooms) ws.close();
  });

  it("a budget spent in one room is spent in the next room too", async () => {
    const alice = await devLogin();
    const [bob, carol] = [await devLogin(), await devLogin()];
    const first = await getOrCreateConversation(env.DB, alice.user.id, bob.user.id, Date.now());
    const second = await getOrCreateConversation(env.DB, alice.user.id, carol.user.id, Date.now());
    const a1 = (await enter(`/api/rooms/${first.id}`, alice.token)).ws;
    const started = Date.now();
    const inFirst = await burst(a1, rule.burst + 5);
    const a2 = (await enter(`/api/rooms/${second.id}`, alice.token)).ws;
    const inSecond = await burst(a2, rule.burst);
    const seconds = (Date.now() - started) / 1000;
    const acked = [...inFirst, ...inSecond].filter((o) => o === "ack").length;
    expect(acked).toBeLessThanOrEqual(rule.burst + Math.ceil(seconds * rule.perSecond));
    expect(inSecond).toContain("rate_limited");
    for (const ws of [a1, a2]) ws.close();
  });

  it("someone who passes through rooms writing one message in each is not refused while the budget lasts", async () => {
    // Rooms a person only passed through must not hold tokens back from the next one (换一个).
    const alice = await devLogin();
    const outcomes: string[] = [];
    for (let i = 0; i < rule.burst - 1; i++) {
      const partner = await devLogin();
      const conversation = await getOrCreateConversation(env.DB, alice.user.id, partner.user.id, Date.now());
      const ws = (await enter(`/api/rooms/${conversation.id}`, alice.token)).ws;
      outcomes.push(...(await burst(ws, 1)));
      ws.close();
    }
    expect(outcomes).toEqual(Array.from({ length: rule.burst - 1 }, () => "ack"));
  });

  it.each(["leave", "drop"] as const)("a room the person goes from (%s) gives back the tokens it held, for their next room", async (way) => {
    const alice = await devLogin();
    const [bob, carol] = [await devLogin(), await devLogin()];
    const first = await getOrCreateConversation(env.DB, alice.user.id, bob.user.id, Date.now());
    const second = await getOrCreateConversation(env.DB, alice.user.id, carol.user.id, Date.now());
    const started = Date.now();
    // Steady writing, one at a time: the room's lease doubles and holds tokens ahead of use.
    const a1 = (await enter(`/api/rooms/${first.id}`, alice.token)).ws;
    for (let i = 0; i < 3; i++) expect(await burst(a1, 1)).toEqual(["ack"]);
    // Tapping 换一个 sends leave; a phone that loses its network just closes.
    if (way === "leave") a1.send({ type: "leave" });
    else a1.close();
    await a1.waitClosed();
    // Everything not written in the first room is there in the second.
    const a2 = (await enter(`/api/rooms/${second.id}`, alice.token)).ws;
    const inSecond = await burst(a2, rule.burst - 3);
    const seconds = (Date.now() - started) / 1000;
    // Without the give-back only what was never leased (plus the refill meanwhile) would be acked.
    if (seconds < 3) expect(inSecond).toEqual(Array.from({ length: rule.burst - 3 }, () => "ack"));
    expect(inSecond.filter((o) => o === "ack").length).toBeGreaterThanOrEqual(rule.burst - 3 - 1);
    a2.close();
  });
});
