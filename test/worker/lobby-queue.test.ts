// The shard's queue is read from memory and written through to SQLite: what a wake-up reads back
// from SQLite must be what the running object saw, change after change.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Lobby } from "../../worker/lobby/lobby";
import { LobbyQueue, type QueueRow } from "../../worker/lobby/queue";
import { shardStub } from "../../worker/lobby/shards";
import { newPool } from "./lobby-helpers";

const row = (userId: string, over: Partial<QueueRow> = {}): QueueRow => ({
  userId,
  ticket: `${userId}-t1`,
  topic: null,
  since: 1_000,
  blocked: [],
  heldAt: null,
  ...over,
});

/** What a queue shows: each person's visit, hold and the derived deadlines. */
function view(q: LobbyQueue, now: number) {
  const ids = ["ann", "ben", "cat", "dan"];
  return {
    visits: ids.flatMap((id) => q.visitsOf(id)).map((r) => ({ userId: r.userId, ticket: r.ticket, topic: r.topic, since: r.since, blocked: r.blocked, heldAt: r.heldAt })),
    free: q.free().map((r) => r.userId).sort(),
    count: q.count(),
    nextFallback: q.nextFallback(now, 10_000),
    oldestHold: q.oldestHold(),
    buckets: ids.map((id) => q.joinBucket(id) ?? null),
  };
}

describe("lobby queue: memory and SQLite agree", () => {
  it("after every kind of change, a queue read afresh from SQLite (a wake-up) sees the same", async () => {
    await runInDurableObject(shardStub(env, newPool(), 0), async (_: Lobby, state) => {
      const q = new LobbyQueue(state.storage.sql);
      const now = 5_000;
      const steps: (() => unknown)[] = [
        () => q.add(row("ann", { topic: "movies", since: 2_000 })),
        () => q.add(row("ben", { blocked: ["ann"] })),
        () => q.add(row("cat", { topic: "music", since: 3_000 })),
        () => expect(q.hold("ann", "ann-t1", now)).toBe(true),
        () => expect(q.hold("ann", "ann-t1", now)).toBe(false), // held already
        () => expect(q.hold("ben", "stale-ticket", now)).toBe(false),
        () => q.add(row("cat", { ticket: "cat-t2", topic: "music", since: 4_000 })), // a newer visit replaces
        () => expect(q.remove("cat", "cat-t1")).toBe(false), // the old visit's socket closing removes nothing
        () => q.hold("cat", "cat-t2", now - 50_000),
        () => expect(q.releaseHeldBefore(now - 10_000)).toBe(1),
        () => q.release("ann", "ann-t1"),
        () => expect(q.remove("ben", "ben-t1")).toBe(true),
        () => q.setJoinBucket("dan", { tokens: 3, at: now, refusals: 1 }, 0),
        () => q.keepMissed("dan", '{"type":"matched"}', now + 60_000),
      ];
      for (const step of steps) {
        step();
        expect(view(new LobbyQueue(state.storage.sql), now)).toEqual(view(q, now));
      }
      expect(view(q, now).free).toEqual(["ann", "cat"]);
      // A missed match is taken once, from memory and from SQLite alike.
      expect(q.takeMissed("dan", now)).toBe('{"type":"matched"}');
      expect(new LobbyQueue(state.storage.sql).takeMissed("dan", now)).toBeNull();
    });
  });
});
