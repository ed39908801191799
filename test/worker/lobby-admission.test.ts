import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { devLogin, sleep } from "./helpers";
import { connectLobby, expectPairs, leave, matched, openLobby } from "./lobby-helpers";

/** This file's own lobby pool: no other file's waiters meet these. */
const POOL = `admission-${crypto.randomUUID()}`;

// The lobby reads ban state and block lists itself, batched across joiners (lobby/admission.ts);
// the worker no longer reads D1 on the upgrade. Every visit must still see D1 as it is now.
describe("lobby admission", () => {
  it("refuses a user banned since their last visit, at once (no cached state to expire)", async () => {
    const alice = await devLogin();
    const first = await openLobby(POOL, alice.token);
    await first.next("waiting");
    await leave(first);
    // Banned straight in D1: no disconnect call reaches the lobby, so only a fresh read can tell.
    await env.DB.prepare("UPDATE users SET banned_at = ? WHERE id = ?").bind(Date.now(), alice.user.id).run();
    const refused = (await connectLobby(POOL, alice.token, "")) as Response;
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: "banned" } });
  });

  it("refuses a token whose user was erased with 401", async () => {
    const gone = await devLogin();
    await env.DB.prepare("DELETE FROM users WHERE id = ?").bind(gone.user.id).run();
    const refused = (await connectLobby(POOL, gone.token, "")) as Response;
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("vetoes a pair blocked since their last visit", async () => {
    const [alice, bob, carol] = [await devLogin(), await devLogin(), await devLogin()];
    // Both visited before the block, so any state kept from then would let them meet.
    for (const u of [alice, bob]) {
      const s = await openLobby(POOL, u.token);
      await s.next("waiting");
      await leave(s);
    }
    await env.DB.prepare("INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?)")
      .bind(alice.user.id, bob.user.id, Date.now())
      .run();
    const a = await openLobby(POOL, alice.token);
    await a.next("waiting");
    const b = await openLobby(POOL, bob.token);
    await b.next("waiting");
    // Carol is the positive marker: she meets one of them; the other is still waiting, unmatched.
    const c = await openLobby(POOL, carol.token);
    await matched(c);
    const got = (s: typeof a) => s.pending().some((f: any) => f.type === "matched");
    for (let i = 0; i < 150 && !got(a) && !got(b); i++) await sleep(20);
    expect(got(a) !== got(b)).toBe(true);
    const other = got(a) ? b : a;
    await leave(other);
  });

  it("admits a burst of joiners and pairs every one exactly once", async () => {
    const users = await Promise.all(Array.from({ length: 30 }, () => devLogin()));
    const sockets = await Promise.all(users.map((u) => openLobby(POOL, u.token)));
    const frames = await Promise.all(sockets.map((s) => matched(s)));
    await expectPairs(frames, users.map((u) => u.user.id), 15);
  });
});
