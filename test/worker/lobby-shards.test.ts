import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { aliasFor } from "../../worker/alias";
import type { LobbyHub } from "../../worker/lobby/hub";
import { hubStub, placementFor, shardIndex, shardStub } from "../../worker/lobby/shards";
import { devLogin } from "./helpers";
import { expectPairs, joinShard, matched, newPool, roomMembers } from "./lobby-helpers";

// A pool of 4 shards, with each person placed on the shard the test chooses, so every
// pairing below has to cross shards through the hub.
const SHARDS = 4;

describe("sharded lobby: meeting across shards", () => {
  it("pairs two people waiting on different shards into one room", async () => {
    const pool = newPool();
    const [alice, bob] = await Promise.all([devLogin(), devLogin()]);
    const a = await joinShard(pool, alice.user.id, { shards: SHARDS, index: 0 });
    await a.next("waiting");
    const b = await joinShard(pool, bob.user.id, { shards: SHARDS, index: 3 });
    const [ma, mb] = await Promise.all([matched(a), matched(b)]);
    expect(ma.roomId).toBe(mb.roomId);
    expect(await roomMembers(ma.roomId)).toEqual([alice.user.id, bob.user.id].sort());
    expect(ma.partner.alias).toBe(aliasFor(ma.roomId, bob.user.id));
    expect(mb.partner.alias).toBe(aliasFor(ma.roomId, alice.user.id));
  });

  it("turns 10 people spread over the shards into 5 pairs, nobody twice or with themselves", async () => {
    const pool = newPool();
    const people = await Promise.all(Array.from({ length: 10 }, () => devLogin()));
    const sockets = await Promise.all(
      people.map((p, i) => joinShard(pool, p.user.id, { shards: SHARDS, index: i % SHARDS })),
    );
    const frames = await Promise.all(sockets.map((s) => matched(s)));
    await expectPairs(frames, people.map((p) => p.user.id), 5);
  });

  it("prefers a same-topic partner on another shard over a different-topic one on its own", async () => {
    const pool = newPool();
    const [alice, bob, carol, dave] = await Promise.all([devLogin(), devLogin(), devLogin(), devLogin()]);
    const a = await joinShard(pool, alice.user.id, { shards: SHARDS, index: 0, topic: "music" });
    const b = await joinShard(pool, bob.user.id, { shards: SHARDS, index: 1, topic: "movies" });
    const c = await joinShard(pool, carol.user.id, { shards: SHARDS, index: 1, topic: "music" });
    const [ma, mc] = await Promise.all([matched(a), matched(c)]);
    expect(ma.roomId).toBe(mc.roomId);
    expect(ma.topic).toBe("music");

    // Bob's topic has nobody anywhere: after the fallback he meets a stranger from another shard.
    const d = await joinShard(pool, dave.user.id, { shards: SHARDS, index: 2, topic: "games" });
    const [mb, md] = await Promise.all([matched(b), matched(d)]);
    expect(mb.roomId).toBe(md.roomId);
    expect(mb.topic).toBeNull();
  });

  it("never pairs a blocked pair across shards", async () => {
    const pool = newPool();
    const [alice, bob, carol, dave] = await Promise.all([devLogin(), devLogin(), devLogin(), devLogin()]);
    // The block is known only to bob's side; alice's shard must still never hand her to him.
    const a = await joinShard(pool, alice.user.id, { shards: SHARDS, index: 0 });
    const b = await joinShard(pool, bob.user.id, { shards: SHARDS, index: 1, blocked: [alice.user.id] });
    // Sync point: both are offers at the hub at once. Each shard report runs a pairing pass right
    // after storing its offers, so once both are there a pass has seen them together and kept
    // them apart (a broken veto pairs and removes them, and this wait times out).
    await vi.waitUntil(
      () =>
        runInDurableObject(hubStub(env, pool), (_hub: LobbyHub, state) => {
          const { n } = state.storage.sql
            .exec("SELECT count(*) AS n FROM offers WHERE user_id IN (?, ?)", alice.user.id, bob.user.id)
            .one();
          return n === 2;
        }),
      { interval: 10, timeout: 4000 },
    );
    expect([...a.pending(), ...b.pending()]).not.toContainEqual(expect.objectContaining({ type: "matched" }));
    expect(a.closed ?? b.closed).toBeNull();
    const c = await joinShard(pool, carol.user.id, { shards: SHARDS, index: 2 });
    const d = await joinShard(pool, dave.user.id, { shards: SHARDS, index: 3 });
    const frames = await Promise.all([a, b, c, d].map((s) => matched(s)));
    expect(new Set(frames.map((f) => f.roomId)).size).toBe(2);
    for (const f of frames) expect(await roomMembers(f.roomId)).not.toEqual([alice.user.id, bob.user.id].sort());
  });

  it("survives evicting the shards and the hub while people wait", async () => {
    const pool = newPool();
    const [alice, bob] = await Promise.all([devLogin(), devLogin()]);
    // Different topics: they can only meet after the fallback, well after the evictions.
    const a = await joinShard(pool, alice.user.id, { shards: SHARDS, index: 0, topic: "music" });
    const b = await joinShard(pool, bob.user.id, { shards: SHARDS, index: 2, topic: "books" });
    await Promise.all([a.next("waiting"), b.next("waiting")]);
    await evictDurableObject(shardStub(env, pool, 0), { webSockets: "hibernate" });
    await evictDurableObject(shardStub(env, pool, 2), { webSockets: "hibernate" });
    // The hub wakes with the first report; evicting it drops whatever it kept in memory.
    await hubStub(env, pool).report({ pool, shards: SHARDS, index: 1 }, [], { waiting: 0, matched: 0 });
    await evictDurableObject(hubStub(env, pool));
    const [ma, mb] = await Promise.all([matched(a), matched(b)]);
    expect(ma.roomId).toBe(mb.roomId);
    expect(ma.topic).toBeNull();
  });

  it("counts people waiting on other shards in the online figure", async () => {
    const pool = newPool();
    const [alice, bob] = await Promise.all([devLogin(), devLogin()]);
    // Blocked, so they stay waiting and the count settles at two.
    const a = await joinShard(pool, alice.user.id, { shards: SHARDS, index: 0, blocked: [bob.user.id] });
    expect(await a.next("waiting")).toEqual({ type: "waiting", online: 1, waiting: 1, estimateMs: null });
    const b = await joinShard(pool, bob.user.id, { shards: SHARDS, index: 1 });
    let online = 0;
    while (online < 2) online = (await a.next<{ online: number }>("waiting", 5000)).online;
    expect(online).toBe(2);
    a.send({ type: "cancel" });
    b.send({ type: "cancel" });
    await Promise.all([a.waitClosed(), b.waitClosed()]);
  });
});

describe("sharded lobby: placement", () => {
  it("puts a person on the same shard every time, spread over all shards", async () => {
    const ids = Array.from({ length: 400 }, (_, i) => `user-${i}-${crypto.randomUUID()}`);
    const used = new Set<number>();
    for (const id of ids) {
      const i = shardIndex(id, 8);
      expect(i).toBe(shardIndex(id, 8));
      expect(i).toBeGreaterThanOrEqual(0);
      expect(i).toBeLessThan(8);
      used.add(i);
    }
    expect(used.size).toBe(8);
    expect(shardIndex(ids[0], 1)).toBe(0);
  });

  it("reads the shard count from LOBBY_SHARDS, clamped to a sane range", () => {
    const id = "some-user";
    expect(placementFor({ ...env, LOBBY_SHARDS: "16" }, id).shards).toBe(16);
    expect(placementFor({ ...env, LOBBY_SHARDS: "0" }, id).shards).toBe(1);
    expect(placementFor({ ...env, LOBBY_SHARDS: "nonsense" }, id).shards).toBe(1);
    expect(placementFor({ ...env, LOBBY_SHARDS: "100000" }, id).shards).toBe(256);
    expect(placementFor({ ...env, LOBBY_SHARDS: "" }, id).shards).toBe(1);
  });
});
