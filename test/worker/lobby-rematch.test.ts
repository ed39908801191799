import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import worker from "../../worker/index";
import { shardIndex } from "../../worker/lobby/shards";
import { DEFAULT_TOPICS, GENERAL_TOPIC } from "../../worker/topics";
import { devLogin, randomAddress, TestSocket } from "./helpers";
import { matched, newPool, type Matched } from "./lobby-helpers";

// The lobby's promises of issue 21: no re-pairing with someone just met (on any shard) unless the
// two keep in touch, an honest wait frame, one prompt for both, and careful pairing for people
// under watch.

type Login = Awaited<ReturnType<typeof devLogin>>;

/** Into the lobby through the worker, in `pool`, with `shards` lobby shards. */
async function join(pool: string, who: Login, options: { shards?: number; topic?: string } = {}): Promise<TestSocket> {
  const poolEnv: Env = { ...env, LOBBY_POOL: pool, LOBBY_SHARDS: String(options.shards ?? 1) };
  const headers = new Headers({ Upgrade: "websocket", Authorization: `Bearer ${who.token}`, "CF-Connecting-IP": randomAddress() });
  const query = options.topic ? `?topic=${options.topic}` : "";
  const res = await worker.fetch(new Request(`https://onechat.test/api/lobby${query}`, { headers }), poolEnv, createExecutionContext());
  expect(res.status).toBe(101);
  return new TestSocket(res.webSocket!);
}

/** Logs in people until one lands on each of the wanted shards. */
async function onShards(shards: number, wanted: number[]): Promise<Login[]> {
  const found = new Map<number, Login>();
  while (found.size < wanted.length) {
    const who = await devLogin();
    const i = shardIndex(who.user.id, shards);
    if (wanted.includes(i) && !found.has(i)) found.set(i, who);
  }
  return wanted.map((i) => found.get(i)!);
}

async function meet(pool: string, x: Login, y: Login, shards = 1): Promise<[Matched, Matched]> {
  const [sx, sy] = [await join(pool, x, { shards }), await join(pool, y, { shards })];
  return [await matched(sx), await matched(sy)];
}

describe("lobby: no re-pairing with someone just met", () => {
  it("keeps two people who just met apart and pairs each with a newcomer instead", async () => {
    const pool = newPool();
    const [alice, bob, carol, dave] = await Promise.all([devLogin(), devLogin(), devLogin(), devLogin()]);
    const [first] = await meet(pool, alice, bob);
    const a = await join(pool, alice);
    await a.next("waiting");
    const b = await join(pool, bob);
    await b.next("waiting");
    // Without the cooldown Alice and Bob would be paired again at once, and Carol would wait.
    const c = await join(pool, carol);
    const mc = await matched(c);
    const d = await join(pool, dave);
    const md = await matched(d);
    const rooms = [(await matched(a)).roomId, (await matched(b)).roomId];
    expect(rooms).not.toContain(first.roomId);
    expect(rooms.sort()).toEqual([mc.roomId, md.roomId].sort());
  });

  it("holds across shards", async () => {
    const pool = newPool();
    const shards = 4;
    const [alice, bob, carol] = await onShards(shards, [0, 1, 2]);
    const [first] = await meet(pool, alice, bob, shards);
    const a = await join(pool, alice, { shards });
    await a.next("waiting");
    const b = await join(pool, bob, { shards });
    await b.next("waiting");
    const c = await join(pool, carol, { shards });
    const mc = await matched(c);
    expect(mc.roomId).not.toBe(first.roomId);
    // Whichever of the two Carol did not get is still waiting; cancelling proves it was never matched.
    const left = (await Promise.race([matched(a).then(() => b), matched(b).then(() => a)])) as TestSocket;
    left.send({ type: "cancel" });
    expect((await left.waitClosed()).code).toBe(1000);
    expect(left.pending().some((f: any) => f.type === "matched")).toBe(false);
  });

  it("pairs them again at once when they keep in touch", async () => {
    const pool = newPool();
    const [alice, bob] = await Promise.all([devLogin(), devLogin()]);
    const [first] = await meet(pool, alice, bob);
    const now = Date.now();
    await env.DB.batch(
      [alice, bob].map((p) =>
        env.DB.prepare("INSERT INTO kept_chats (conversation_id, user_id, kept_at, read_seq) VALUES (?, ?, ?, 0)").bind(first.roomId, p.user.id, now),
      ),
    );
    const [again] = await meet(pool, alice, bob);
    expect(again.roomId).toBe(first.roomId);
  });
});

describe("lobby: an honest wait", () => {
  it("counts exactly the people waiting, with no estimate before any pairing", async () => {
    const pool = newPool();
    const [alice, bob] = await Promise.all([devLogin(), devLogin()]);
    const a = await join(pool, alice, { topic: "music" });
    expect(await a.next("waiting")).toEqual({ type: "waiting", online: 1, waiting: 1, estimateMs: null });
    a.send({ type: "cancel" });
    await a.waitClosed();
    const b = await join(pool, bob);
    expect(await b.next("waiting")).toEqual({ type: "waiting", online: 1, waiting: 1, estimateMs: null });
    b.send({ type: "cancel" });
  });

  it("estimates the wait from recent pairings, and counts the people just matched as online", async () => {
    const pool = newPool();
    const [alice, bob, carol] = await Promise.all([devLogin(), devLogin(), devLogin()]);
    await meet(pool, alice, bob);
    const c = await join(pool, carol);
    const frame = await c.next("waiting");
    expect(frame).toMatchObject({ type: "waiting", online: 3, waiting: 1 });
    expect(frame.estimateMs).toBeGreaterThan(0);
    c.send({ type: "cancel" });
  });

  it("says when a topic wait falls back to anyone", async () => {
    const pool = newPool();
    const alice = await devLogin();
    const a = await join(pool, alice, { topic: "travel" });
    expect((await a.next("waiting")).fallback).toBeUndefined();
    // Count broadcasts may come first; the fallback notice follows once the topic wait runs out.
    let told = await a.next<{ fallback?: true }>("waiting", 10_000);
    while (!told.fallback) told = await a.next("waiting", 10_000);
    expect(told.fallback).toBe(true);
    a.send({ type: "cancel" });
  });
});

describe("lobby: a first line", () => {
  it("gives both the same prompt from their shared topic", async () => {
    const pool = newPool();
    const [alice, bob] = await Promise.all([devLogin(), devLogin()]);
    const a = await join(pool, alice, { topic: "food" });
    await a.next("waiting");
    const b = await join(pool, bob, { topic: "food" });
    const [ma, mb] = [await matched(a), await matched(b)];
    expect(ma.topic).toBe("food");
    expect(ma.prompt).toBe(mb.prompt);
    expect(DEFAULT_TOPICS.find((t) => t.id === "food")!.prompts).toContain(ma.prompt);
  });

  it("gives a general prompt to a pair without a shared topic", async () => {
    const pool = newPool();
    const [alice, bob] = await Promise.all([devLogin(), devLogin()]);
    const [ma, mb] = await meet(pool, alice, bob);
    expect(ma.prompt).toBe(mb.prompt);
    expect(DEFAULT_TOPICS.find((t) => t.id === GENERAL_TOPIC)!.prompts).toContain(ma.prompt);
  });
});

describe("lobby: trust in matching", () => {
  async function watch(who: Login): Promise<void> {
    // An upheld report (an admin acted on it), as the console records it.
    await env.DB.prepare(
      `INSERT INTO reports (reporter_id, reported_id, conversation_id, reason, snapshot, created_at, handled_at, handled_action)
       VALUES (?, ?, 'c', '骚扰', '[]', ?, ?, 'delete_history')`,
    )
      .bind(who.user.id, who.user.id, Date.now(), Date.now())
      .run();
  }

  /** Someone who has had a chat before (not a first chat). */
  async function experienced(): Promise<Login> {
    const [who, other] = await Promise.all([devLogin(), devLogin()]);
    await meet(newPool(), who, other);
    return who;
  }

  it("never gives someone under watch as a first chat, and pairs them after same-standing people", async () => {
    const pool = newPool();
    const [watched, fresh] = await Promise.all([devLogin(), devLogin()]);
    const [carol, dave] = await Promise.all([experienced(), experienced()]);
    await watch(watched);
    const w = await join(pool, watched);
    await w.next("waiting");
    const f = await join(pool, fresh);
    await f.next("waiting");
    // Carol (experienced, in good standing) goes to the fresh person first; Dave gets the watched one.
    const c = await join(pool, carol);
    const mc = await matched(c);
    expect(mc.roomId).toBe((await matched(f)).roomId);
    const d = await join(pool, dave);
    const md = await matched(d);
    expect(md.roomId).toBe((await matched(w)).roomId);
  });

  it("pairs two people under watch with each other", async () => {
    const pool = newPool();
    const [x, y] = await Promise.all([devLogin(), devLogin()]);
    await Promise.all([watch(x), watch(y)]);
    const [mx, my] = await meet(pool, x, y);
    expect(mx.roomId).toBe(my.roomId);
  });

  it("counts a lifted suspension like an upheld report", async () => {
    const pool = newPool();
    const [suspended, fresh, other] = await Promise.all([devLogin(), devLogin(), devLogin()]);
    await env.DB.prepare("UPDATE users SET matching_resumed_at = ? WHERE id = ?").bind(Date.now(), suspended.user.id).run();
    const s = await join(pool, suspended);
    await s.next("waiting");
    const f = await join(pool, fresh);
    await f.next("waiting");
    const o = await join(pool, other);
    // `other` is fresh too: two fresh people meet, the suspended one waits.
    expect((await matched(o)).roomId).toBe((await matched(f)).roomId);
    s.send({ type: "cancel" });
    expect(s.pending().some((fr: any) => fr.type === "matched")).toBe(false);
  });
});
