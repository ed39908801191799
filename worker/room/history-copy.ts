// The room's side of the copy to D1: what to hand over, to which writer, and how long to wait
// after a failure. The room's SQLite stays the record until a writer confirms the D1 commit.
import { numberVar, type Env } from "../env";
import { toD1Row, type RoomMeta, type RoomStore } from "./store";

/** Messages per hand-off; a room with more pending hands them over in several. */
const COPY_BATCH = 500;
/** Backoff after failed copies: 1 s, 2 s, 4 s … at most this, plus up to half again of jitter. */
const RETRY_MAX_MS = 60_000;

export function writerCount(env: Env): number {
  return Math.min(64, Math.max(1, Math.floor(numberVar(env.HISTORY_WRITERS, 2))));
}

/** A conversation always goes to the same writer, so its batches reach D1 in order. */
export function writerFor(env: Env, conversationId: string) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < conversationId.length; i++) {
    hash ^= conversationId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return env.HISTORY_WRITER.get(env.HISTORY_WRITER.idFromName(`writer/${hash % writerCount(env)}`));
}

/**
 * Hands everything D1 does not have to the writer, batch by batch, marking each copied once
 * committed. Returns how many were copied, or "missing" when D1 no longer has the conversation.
 * Throws when a batch fails; what was not confirmed stays pending.
 */
export async function copyPending(env: Env, store: RoomStore, meta: RoomMeta): Promise<number | "missing"> {
  let copied = 0;
  for (;;) {
    const batch = store.uncopied(COPY_BATCH);
    if (batch.length === 0) return copied;
    const { missing } = await writerFor(env, meta.conversationId).copy({
      conversationId: meta.conversationId,
      rows: batch.map((m) => toD1Row(meta.conversationId, m)),
      flags: batch.flatMap((m) => (m.flag ? [{ messageId: m.id, conversationId: meta.conversationId, reason: m.flag, createdAt: m.at }] : [])),
    });
    if (missing) return "missing";
    store.markCopiedThrough(batch[batch.length - 1]!.seq);
    copied += batch.length;
  }
}

/** How long to wait before the next attempt after `failures` failed copies in a row. */
export function retryDelayMs(failures: number, random = Math.random): number {
  const base = Math.min(RETRY_MAX_MS, 1000 * 2 ** Math.max(0, failures - 1));
  return base + Math.floor(random() * (base / 2));
}
