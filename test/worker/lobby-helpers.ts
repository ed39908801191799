import { createExecutionContext, env } from "cloudflare:test";
import { expect } from "vitest";
import { findConversation } from "../../worker/db/conversations";
import type { Env } from "../../worker/env";
import worker from "../../worker/index";
import { joinRequest, shardStub } from "../../worker/lobby/shards";
import type { LobbyServerFrame } from "../../worker/protocol";
import { randomAddress, TestSocket, uniqueName } from "./helpers";

export type Matched = Extract<LobbyServerFrame, { type: "matched" }>;

/** A private pool, so a test never meets leftovers of another test, or people of a test running beside it. */
export function newPool(): string {
  return uniqueName("pool");
}

/**
 * The worker exactly as deployed, but with its lobby in `pool` (LOBBY_POOL): every route, the
 * lobby's and the admin's, sees only that pool. Tests in different files run in one runtime and
 * would otherwise all wait in "main" and meet each other's users.
 */
export function workerIn(pool: string) {
  const poolEnv: Env = { ...env, LOBBY_POOL: pool };
  return (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set("Authorization", `Bearer ${init.token}`);
    if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", randomAddress());
    return worker.fetch(new Request(`https://onechat.test${path}`, { ...init, headers }), poolEnv, createExecutionContext());
  };
}

/** A lobby socket through the worker (in `pool`), or the refusing response. */
export async function connectLobby(pool: string, token: string, query = ""): Promise<TestSocket | Response> {
  const res = await workerIn(pool)(`/api/lobby${query}`, { token, headers: { Upgrade: "websocket" } });
  if (res.status !== 101 || !res.webSocket) return res;
  return new TestSocket(res.webSocket);
}

/** Through the worker, as a client would, into the test's own pool. */
export async function openLobby(pool: string, token: string, topic?: string): Promise<TestSocket> {
  const result = await connectLobby(pool, token, topic ? `?topic=${topic}` : "");
  if (result instanceof Response) throw new Error(`upgrade refused: ${result.status} ${await result.text()}`);
  return result;
}

/** Straight into one shard of a pool, as the worker would hand a visit over after its checks. */
export async function joinShard(
  pool: string,
  userId: string,
  options: { shards?: number; index?: number; topic?: string | null; blocked?: string[] } = {},
): Promise<TestSocket> {
  const shards = options.shards ?? 1;
  const index = options.index ?? 0;
  const res = await shardStub(env, pool, index).fetch(
    joinRequest({ userId, topic: options.topic ?? null, blocked: options.blocked ?? [], placement: { pool, shards, index } }),
  );
  expect(res.status).toBe(101);
  return new TestSocket(res.webSocket!);
}

/**
 * Waits for the match, and checks the lobby then closes normally. The wait is generous: on a busy
 * machine (the whole suite on two cores) a fallback alarm and the D1 opener can take seconds.
 */
export async function matched(socket: TestSocket, timeoutMs = 10_000): Promise<Matched> {
  const frame = await socket.next<Matched>("matched", timeoutMs);
  expect((await socket.waitClosed()).code).toBe(1000);
  return frame;
}

/** The two people the room belongs to, from D1. */
export async function roomMembers(roomId: string): Promise<string[]> {
  const conversation = await findConversation(env.DB, roomId);
  expect(conversation).toBeDefined();
  return [conversation!.userA, conversation!.userB].sort();
}

export async function leave(...sockets: TestSocket[]): Promise<void> {
  for (const s of sockets) {
    if (s.closed) continue;
    s.send({ type: "cancel" });
    await s.waitClosed().catch(() => undefined);
  }
}

/** Every matched frame names a room of exactly two distinct people, as the conversation row says. */
export async function expectPairs(frames: Matched[], userIds: string[], pairs: number): Promise<void> {
  const rooms = new Map<string, string[]>();
  frames.forEach((f, i) => rooms.set(f.roomId, [...(rooms.get(f.roomId) ?? []), userIds[i]]));
  expect(rooms.size).toBe(pairs);
  for (const [roomId, members] of rooms) {
    expect(members).toHaveLength(2);
    expect(members[0]).not.toBe(members[1]);
    expect(await roomMembers(roomId)).toEqual([...members].sort());
  }
}

/** Moves the pair's last match `ms` into the past, as if they had met that long ago (the rematch cooldown). */
export async function backdateMatch(roomId: string, ms: number): Promise<void> {
  await env.DB.prepare("UPDATE conversations SET last_matched_at = ? WHERE id = ?").bind(Date.now() - ms, roomId).run();
}
