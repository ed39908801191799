// Where a conversation's history lives. HISTORY_SHARDS = N spreads messages (with their flags and
// per-minute counts) by conversation over N D1 databases: shard 1 is DB itself, shards 2..N the
// bindings HISTORY_2..HISTORY_N. Everything else (users, conversations, reports) stays in DB.
// N is fixed for a deployment's life: changing it moves conversations to other shards.
import { numberVar, type Env } from "../env";
import { fnv1a } from "../lib/fnv";

export function shardCount(env: Env): number {
  return Math.min(64, Math.max(1, Math.floor(numberVar(env.HISTORY_SHARDS, 1))));
}

/** 0-based shard of a conversation; 0 is DB. */
export function shardOf(env: Env, conversationId: string): number {
  const n = shardCount(env);
  // A different salt from the writer's choice, so the writers of one shard all get conversations.
  return n === 1 ? 0 : fnv1a(`shard:${conversationId}`) % n;
}

export function historyDb(env: Env, shard: number): D1Database {
  if (shard === 0) return env.DB;
  const db = (env as unknown as Record<string, D1Database | undefined>)[`HISTORY_${shard + 1}`];
  if (!db) throw new Error(`HISTORY_SHARDS is ${shardCount(env)} but the D1 binding HISTORY_${shard + 1} is missing`);
  return db;
}

export function historyDbFor(env: Env, conversationId: string): D1Database {
  return historyDb(env, shardOf(env, conversationId));
}

/** Every history database, DB first: admin lists, erasure and retention fan out over these. */
export function allHistoryDbs(env: Env): D1Database[] {
  return Array.from({ length: shardCount(env) }, (_, i) => historyDb(env, i));
}

/** Conversation ids grouped by the database holding their messages. */
export function byHistoryDb(env: Env, conversationIds: readonly string[]): Map<D1Database, string[]> {
  const groups = new Map<D1Database, string[]>();
  for (const id of conversationIds) {
    const db = historyDbFor(env, id);
    groups.set(db, [...(groups.get(db) ?? []), id]);
  }
  return groups;
}

/** What db/ functions that span the databases take: the main one and the history routing. */
export interface HistoryDbs {
  main: D1Database;
  all: D1Database[];
  for(conversationId: string): D1Database;
  /** Conversation ids grouped by the database holding their messages. */
  group(conversationIds: readonly string[]): Map<D1Database, string[]>;
}

export function historyDbs(env: Env): HistoryDbs {
  return { main: env.DB, all: allHistoryDbs(env), for: (id) => historyDbFor(env, id), group: (ids) => byHistoryDb(env, ids) };
}
