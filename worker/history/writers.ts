// Which history writer (writer.ts) takes a conversation's copy: HISTORY_WRITERS per history database.
import { numberVar, type Env } from "../env";
import { fnv1a } from "../lib/fnv";
import { shardOf } from "./shards";

export function writerCount(env: Env): number {
  return Math.min(64, Math.max(1, Math.floor(numberVar(env.HISTORY_WRITERS, 2))));
}

/** Writer `index` of history database `shard`; each database has its own HISTORY_WRITERS writers. */
export function writerName(shard: number, index: number): string {
  return shard === 0 ? `writer/${index}` : `writer/${shard}/${index}`;
}

/** A conversation always goes to the same writer, so its batches reach D1 in order. */
export function writerFor(env: Env, conversationId: string) {
  const name = writerName(shardOf(env, conversationId), fnv1a(conversationId) % writerCount(env));
  return env.HISTORY_WRITER.get(env.HISTORY_WRITER.idFromName(name));
}
