// Where a lobby visit goes: which shard object holds a user's socket, and how the worker
// hands the (already authenticated) visit to it. Nothing here touches sockets or storage.
import { numberVar, type Env } from "../env";
import { fnv1a } from "../lib/fnv";

/** The production pool. Tests build their own pools so they never share a queue. */
export const MAIN_POOL = "main";
export const MAX_SHARDS = 256;

export interface Placement {
  /** A name that groups N shards and their hub. */
  pool: string;
  shards: number;
  index: number;
}

/** One lobby visit as the worker hands it to a shard. */
export interface Join {
  userId: string;
  topic: string | null;
  /**
   * Ids never to pair with. Null from the worker: the shard reads them (and the ban state) from D1
   * itself, batched across joiners (lobby/admission.ts). Set only by callers that already know.
   */
  blocked: string[] | null;
  placement: Placement;
}

// Internal headers: the worker builds a fresh Request carrying only these, so nothing a client
// sends reaches the object; the object itself has no public route.
const H = {
  user: "X-Onechat-User",
  topic: "X-Onechat-Topic",
  blocked: "X-Onechat-Blocked",
  pool: "X-Onechat-Pool",
  shards: "X-Onechat-Shards",
  index: "X-Onechat-Shard",
} as const;

export interface LobbyTiming {
  fallbackMs: number;
  /** How often a shard with people left over offers them to the hub. */
  hubTickMs: number;
  /** Two people matched within this are not paired again unless they keep in touch. */
  rematchCooldownMs: number;
  /** An upheld report or lifted suspension this recent puts a person under watch. */
  watchMs: number;
}

export function lobbyTiming(env: Env): LobbyTiming {
  return {
    fallbackMs: numberVar(env.TOPIC_FALLBACK_MS, 5000),
    hubTickMs: Math.max(5, numberVar(env.LOBBY_HUB_TICK_MS, 50)),
    rematchCooldownMs: numberVar(env.REMATCH_COOLDOWN_MS, 24 * 60 * 60_000),
    watchMs: numberVar(env.TRUST_WATCH_DAYS, 30) * 24 * 60 * 60_000,
  };
}

export function shardCount(env: Env): number {
  const n = Math.floor(numberVar(env.LOBBY_SHARDS, 1));
  return Math.min(MAX_SHARDS, Math.max(1, n));
}

/**
 * A user always lands on the same shard (for a given shard count), so a second socket
 * finds and replaces the first.
 */
export function shardIndex(userId: string, shards: number): number {
  return fnv1a(userId) % shards;
}

/** The pool this deployment's lobby uses: LOBBY_POOL, or "main". Tests give each test its own. */
export function lobbyPool(env: Env): string {
  return env.LOBBY_POOL?.trim() || MAIN_POOL;
}

export function placementFor(env: Env, userId: string, pool = lobbyPool(env)): Placement {
  const shards = shardCount(env);
  return { pool, shards, index: shardIndex(userId, shards) };
}

/**
 * A Durable Object lives where it is first created. The lobby objects are shared by everyone, and
 * the first request could come from anywhere (a deploy check, an operator abroad), so they are
 * placed near the users: mainland China is served from Asia-Pacific (docs/launch.md).
 */
export const LOBBY_LOCATION: DurableObjectLocationHint = "apac";

export function shardStub(env: Env, pool: string, index: number) {
  return env.LOBBY.get(env.LOBBY.idFromName(`${pool}/shard/${index}`), { locationHint: LOBBY_LOCATION });
}

export function hubStub(env: Env, pool: string) {
  return env.LOBBY_HUB.get(env.LOBBY_HUB.idFromName(`${pool}/hub`), { locationHint: LOBBY_LOCATION });
}

export function joinRequest(join: Join): Request {
  const headers = new Headers({
    Upgrade: "websocket",
    [H.user]: join.userId,
    [H.pool]: join.placement.pool,
    [H.shards]: String(join.placement.shards),
    [H.index]: String(join.placement.index),
  });
  if (join.topic !== null) headers.set(H.topic, join.topic);
  if (join.blocked !== null) headers.set(H.blocked, JSON.stringify(join.blocked));
  return new Request("https://lobby.internal/join", { headers });
}

export function readJoin(request: Request): Join | null {
  const h = request.headers;
  const userId = h.get(H.user);
  const pool = h.get(H.pool);
  const shards = Number(h.get(H.shards));
  const index = Number(h.get(H.index));
  if (!userId || !pool || !Number.isInteger(shards) || !Number.isInteger(index)) return null;
  if (shards < 1 || index < 0 || index >= shards) return null;
  let blocked: unknown = null;
  try {
    const header = h.get(H.blocked);
    if (header !== null) blocked = JSON.parse(header);
  } catch {
    return null;
  }
  if (blocked !== null && !(Array.isArray(blocked) && blocked.every((id) => typeof id === "string"))) return null;
  return { userId, topic: h.get(H.topic), blocked: blocked as string[] | null, placement: { pool, shards, index } };
}
