import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { aliasFor } from "../../worker/alias";
import type { Lobby } from "../../worker/lobby/lobby";
import { placementFor, shardStub } from "../../worker/lobby/shards";
import { CLOSE, LIMITS, PING_FRAME } from "../../worker/protocol";
import { api, connect, devLogin } from "./helpers";
import { backdateMatch, connectLobby, expectPairs, joinShard, leave, matched, newPool, openLobby, roomMembers } from "./lobby-helpers";

// Each test has a lobby pool of its own (LOBBY_POOL through workerIn), so tests in other files
// waiting in the lobby at the same time never pair with these users.
describe("lobby: pairing through the worker", () => {
  it("pairs two people into the same room, each seeing the other's alias", async () => {
    const pool = newPool();
    const [alice, bob] = await Promise.all([devLogin(), devLogin()]);
    const a = await openLobby(pool, alice.token);
    expect(await a.next("waiting")).toMatchObject({ type: "waiting", online: expect.any(Number) });
    const b = await openLobby(pool, bob.token);
    const [ma, mb] = await Promise.all([matched(a), matched(b)]);

    expect(ma.roomId).toBe(mb.roomId);
    expect(await roomMembers(ma.roomId)).toEqual([alice.user.id, bob.user.id].sort());
    expect(ma.partner).toEqual({ alias: aliasFor(ma.roomId, bob.user.id) });
    expect(mb.partner).toEqual({ alias: aliasFor(ma.roomId, alice.user.id) });
    expect(ma.partner.alias).not.toBe(mb.partner.alias);
    expect(ma.topic).toBeNull();
  });

  it("turns 10 people joining at once into 5 pairs, nobody twice or with themselves", async () => {
    const pool = newPool();
    const people = await Promise.all(Array.from({ length: 10 }, () => devLogin()));
    const sockets = await Promise.all(people.map((p) => openLobby(pool, p.token)));
    const frames = await Promise.all(sockets.map((s) => matched(s)));

    await expectPairs(frames, people.map((p) => p.user.id), 5);
  });

  it("pairs different topics once the topic wait runs out, with topic null", async () => {
    const pool = newPool();
    const [alice, bob] = await Promise.all([devLogin(), devLogin()]);
    const a = await openLobby(pool, alice.token, "music");
    const b = await openLobby(pool, bob.token, "movies");
    const [ma, mb] = await Promise.all([matched(a), matched(b)]);
    expect(ma.roomId).toBe(mb.roomId);
    expect(ma.topic).toBeNull();
    expect(mb.topic).toBeNull();
  });

  it("gives the same pair the same room when they meet again (after the rematch cooldown)", async () => {
    const pool = newPool();
    const [alice, bob] = await Promise.all([devLogin(), devLogin()]);
    const first = await Promise.all([openLobby(pool, alice.token), openLobby(pool, bob.token)]);
    const [m1] = await Promise.all(first.map((s) => matched(s)));
    await backdateMatch(m1.roomId, 25 * 60 * 60_000);
    const again = await Promise.all([openLobby(pool, alice.token), openLobby(pool, bob.token)]);
    const [m2a, m2b] = await Promise.all(again.map((s) => matched(s)));
    expect(m2a.roomId).toBe(m1.roomId);
    expect(m2b.roomId).toBe(m1.roomId);
  });

  it("replaces a first lobby socket with a second one of the same person", async () => {
    const pool = newPool();
    const [alice, bob] = await Promise.all([devLogin(), devLogin()]);
    const first = await openLobby(pool, alice.token);
    await first.next("waiting");
    const second = await openLobby(pool, alice.token);
    expect(await first.next("error")).toMatchObject({ type: "error", code: "replaced" });
    expect((await first.waitClosed()).code).toBe(CLOSE.replaced);

    const b = await openLobby(pool, bob.token);
    const [m2, mb] = await Promise.all([matched(second), matched(b)]);
    expect(m2.roomId).toBe(mb.roomId);
    expect(await roomMembers(m2.roomId)).toEqual([alice.user.id, bob.user.id].sort());
  });

  it("takes a cancelled person out of the queue", async () => {
    const pool = newPool();
    const [alice, bob, carol] = await Promise.all([devLogin(), devLogin(), devLogin()]);
    const a = await openLobby(pool, alice.token);
    await a.next("waiting");
    a.send({ type: "cancel" });
    expect((await a.waitClosed()).code).toBe(1000);

    // Had alice stayed queued, bob would have been paired with her on arrival.
    const b = await openLobby(pool, bob.token);
    await b.next("waiting");
    const c = await openLobby(pool, carol.token);
    const [mb, mc] = await Promise.all([matched(b), matched(c)]);
    expect(mb.roomId).toBe(mc.roomId);
    expect(await roomMembers(mb.roomId)).toEqual([bob.user.id, carol.user.id].sort());
  });

  it("keeps the queue through eviction with hibernating sockets", async () => {
    const pool = newPool();
    const [alice, bob] = await Promise.all([devLogin(), devLogin()]);
    const a = await openLobby(pool, alice.token);
    await a.next("waiting");
    const p = placementFor(env, alice.user.id, pool);
    await evictDurableObject(shardStub(env, p.pool, p.index), { webSockets: "hibernate" });

    const b = await openLobby(pool, bob.token);
    const [ma, mb] = await Promise.all([matched(a), matched(b)]);
    expect(ma.roomId).toBe(mb.roomId);
    expect(await roomMembers(ma.roomId)).toEqual([alice.user.id, bob.user.id].sort());
  });

  it("answers bad frames with their codes and keeps the socket usable", async () => {
    const pool = newPool();
    const [alice, bob, carol] = await Promise.all([devLogin(), devLogin(), devLogin()]);
    const a = await openLobby(pool, alice.token);
    await a.next("waiting");

    a.send("not json");
    expect(await a.next("error")).toMatchObject({ code: "bad_message" });
    a.send({ kind: "cancel" });
    expect(await a.next("error")).toMatchObject({ code: "bad_message" });
    a.send({ type: "dance" });
    expect(await a.next("error")).toMatchObject({ code: "unknown_type" });
    a.ws.send(new Uint8Array([1, 2, 3]));
    expect(await a.next("error")).toMatchObject({ code: "binary_not_supported" });
    a.send(PING_FRAME);
    expect(await a.next("pong")).toEqual({ type: "pong" });
    expect(a.closed).toBeNull();

    // Still queued: the next person meets alice.
    const b = await openLobby(pool, bob.token);
    const [ma, mb] = await Promise.all([matched(a), matched(b)]);
    expect(ma.roomId).toBe(mb.roomId);

    // A frame over the limit ends the connection with 1009.
    const c = await openLobby(pool, carol.token);
    await c.next("waiting");
    c.send({ type: "cancel", pad: "x".repeat(LIMITS.frameMaxBytes) });
    expect(await c.next("error")).toMatchObject({ code: "frame_too_large" });
    expect((await c.waitClosed()).code).toBe(CLOSE.tooBig);
  });
});

describe("lobby: pools", () => {
  it("keeps pools apart: two people waiting in different pools are never paired with each other", async () => {
    const [poolA, poolB] = [newPool(), newPool()];
    const [alice, bob, carol, dave] = await Promise.all([devLogin(), devLogin(), devLogin(), devLogin()]);
    const a = await openLobby(poolA, alice.token);
    await a.next("waiting");
    const b = await openLobby(poolB, bob.token);
    await b.next("waiting");
    // Sync point: the next arrival in each pool meets the one waiting there (had the pools been
    // one, alice and bob would already have been paired and these would meet each other).
    const c = await openLobby(poolA, carol.token);
    const d = await openLobby(poolB, dave.token);
    const [ma, mb, mc, md] = await Promise.all([a, b, c, d].map((s) => matched(s)));
    expect(ma.roomId).toBe(mc.roomId);
    expect(mb.roomId).toBe(md.roomId);
    expect(await roomMembers(ma.roomId)).toEqual([alice.user.id, carol.user.id].sort());
    expect(await roomMembers(mb.roomId)).toEqual([bob.user.id, dave.user.id].sort());
  });
});

describe("lobby: pairing rules inside one shard", () => {
  it("prefers a same-topic partner over a different-topic one who is also waiting", async () => {
    const pool = newPool();
    const [alice, bob, carol, dave] = await Promise.all([devLogin(), devLogin(), devLogin(), devLogin()]);
    const a = await joinShard(pool, alice.user.id, { topic: "music" });
    const b = await joinShard(pool, bob.user.id, { topic: "movies" });
    const c = await joinShard(pool, carol.user.id, { topic: "music" });
    const [ma, mc] = await Promise.all([matched(a), matched(c)]);
    expect(ma.roomId).toBe(mc.roomId);
    expect(ma.topic).toBe("music");
    expect(await roomMembers(ma.roomId)).toEqual([alice.user.id, carol.user.id].sort());

    // Bob's topic finds nobody; after the fallback he meets someone from another topic.
    const d = await joinShard(pool, dave.user.id, { topic: "games" });
    const [mb, md] = await Promise.all([matched(b), matched(d)]);
    expect(mb.roomId).toBe(md.roomId);
    expect(mb.topic).toBeNull();
  });

  it("never pairs two people when one has blocked the other", async () => {
    const pool = newPool();
    const people = await Promise.all([devLogin(), devLogin(), devLogin(), devLogin()]);
    const [alice, bob, carol, dave] = people;
    const a = await joinShard(pool, alice.user.id, { blocked: [bob.user.id] });
    const b = await joinShard(pool, bob.user.id);
    const c = await joinShard(pool, carol.user.id);
    const d = await joinShard(pool, dave.user.id);
    const frames = await Promise.all([a, b, c, d].map((s) => matched(s)));
    const members = await Promise.all(frames.map((f) => roomMembers(f.roomId)));
    for (const m of members) expect(m).not.toEqual([alice.user.id, bob.user.id].sort());
    expect(new Set(frames.map((f) => f.roomId)).size).toBe(2);
  });

  it("keeps a topic wait running through eviction (the fallback alarm survives)", async () => {
    const pool = newPool();
    const [alice, bob] = await Promise.all([devLogin(), devLogin()]);
    const a = await joinShard(pool, alice.user.id, { topic: "music" });
    const b = await joinShard(pool, bob.user.id, { topic: "books" });
    await Promise.all([a.next("waiting"), b.next("waiting")]);
    const stub = shardStub(env, pool, 0);
    // Evict while idle, with only the topic-fallback alarm pending (not mid-way through the
    // join's own immediate alarm), so what is tested is that a pending alarm survives eviction.
    await vi.waitUntil(
      () =>
        runInDurableObject(stub, async (_lobby: Lobby, state) => {
          const alarm = await state.storage.getAlarm();
          return alarm !== null && alarm > Date.now();
        }),
      { interval: 5, timeout: 2000 },
    );
    await evictDurableObject(stub, { webSockets: "hibernate" });
    const [ma, mb] = await Promise.all([matched(a), matched(b)]);
    expect(ma.roomId).toBe(mb.roomId);
    expect(ma.topic).toBeNull();
  });
});

describe("lobby: refusing the upgrade", () => {
  it("refuses a missing or forged token with 401", async () => {
    const none = await connect("/api/lobby");
    expect(none).toBeInstanceOf(Response);
    expect((none as Response).status).toBe(401);
    expect(await (none as Response).json()).toMatchObject({ error: { code: "unauthorized" } });

    const forged = await connect("/api/lobby", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.forged", true);
    expect((forged as Response).status).toBe(401);
    expect(await (forged as Response).json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("accepts the token in the query string", async () => {
    const alice = await devLogin();
    const s = await connectLobby(newPool(), "", `?token=${encodeURIComponent(alice.token)}`);
    expect(s).not.toBeInstanceOf(Response);
    if (!(s instanceof Response)) {
      await s.next("waiting");
      await leave(s);
    }
  });

  it("refuses a plain request with 426 and an unknown topic with 400", async () => {
    const alice = await devLogin();
    const plain = await api("/api/lobby", { token: alice.token });
    expect(plain.status).toBe(426);
    expect(await plain.json()).toMatchObject({ error: { code: "bad_request" } });

    const badTopic = await connect("/api/lobby?topic=no-such-topic", alice.token);
    expect((badTopic as Response).status).toBe(400);
    expect(await (badTopic as Response).json()).toMatchObject({ error: { code: "bad_request" } });

    // Two topics are not one: refused as before the query was checked by hand.
    const twoTopics = await connect("/api/lobby?topic=travel&topic=games", alice.token);
    expect((twoTopics as Response).status).toBe(400);
    expect(await (twoTopics as Response).json()).toMatchObject({ error: { code: "bad_request" } });
  });
});
