import { and, count, eq, gte, inArray, lt, notExists, or, sql } from "drizzle-orm";
import { db } from "./client";
import { images, messages, type ImageRow } from "./schema";

// The images table: where each picture's platform check stands. The R2 objects are
// worker/media/store.ts's; nothing here touches them.

export type ImageStatus = ImageRow["status"];
export type Settled = Exclude<ImageStatus, "pending">;

export async function insertImage(d1: D1Database, row: ImageRow): Promise<void> {
  await db(d1).insert(images).values(row);
}

export async function findImage(d1: D1Database, id: string): Promise<ImageRow | undefined> {
  return db(d1).select().from(images).where(eq(images.id, id)).get();
}

export async function setTraceId(d1: D1Database, id: string, traceId: string): Promise<void> {
  await db(d1).update(images).set({ traceId }).where(eq(images.id, id));
}

/** Pictures a sender has waiting for a check: bounds what one person can have in flight. */
export async function pendingCount(d1: D1Database, senderId: string): Promise<number> {
  const [row] = await db(d1)
    .select({ n: count() })
    .from(images)
    .where(and(eq(images.senderId, senderId), eq(images.status, "pending")));
  return row?.n ?? 0;
}

/**
 * Moves a pending picture to its verdict, once: a repeated or late answer finds it no longer
 * pending and changes nothing (undefined).
 */
export async function settleImageRow(
  d1: D1Database,
  where: { id: string } | { traceId: string },
  status: Settled,
  now: number,
): Promise<ImageRow | undefined> {
  const match = "id" in where ? eq(images.id, where.id) : eq(images.traceId, where.traceId);
  return db(d1)
    .update(images)
    .set({ status, checkedAt: now })
    .where(and(match, eq(images.status, "pending")))
    .returning()
    .get();
}

/** Up to `limit` pending pictures whose check deadline has passed. */
export async function overdueImageIds(d1: D1Database, now: number, limit: number): Promise<string[]> {
  const rows = await db(d1)
    .select({ id: images.id })
    .from(images)
    .where(and(eq(images.status, "pending"), lt(images.checkDeadline, now)))
    .limit(limit)
    .all();
  return rows.map((r) => r.id);
}

export async function imageIdsOfConversation(d1: D1Database, conversationId: string): Promise<string[]> {
  const rows = await db(d1).select({ id: images.id }).from(images).where(eq(images.conversationId, conversationId)).all();
  return rows.map((r) => r.id);
}

export async function deleteImageRows(d1: D1Database, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const gone = await db(d1).delete(images).where(inArray(images.id, ids)).returning({ id: images.id });
  return gone.length;
}

export async function findImageByTrace(d1: D1Database, traceId: string): Promise<ImageRow | undefined> {
  return db(d1).select().from(images).where(eq(images.traceId, traceId)).get();
}

/** Pictures a user sent, and up to `limit` pictures created before `cutoff` (retention). */
export async function imageIdsOfSender(d1: D1Database, senderId: string): Promise<string[]> {
  const rows = await db(d1).select({ id: images.id }).from(images).where(eq(images.senderId, senderId)).all();
  return rows.map((r) => r.id);
}

export async function imageIdsBefore(d1: D1Database, cutoff: number, limit: number): Promise<string[]> {
  const rows = await db(d1).select({ id: images.id }).from(images).where(lt(images.createdAt, cutoff)).limit(limit).all();
  return rows.map((r) => r.id);
}

export async function imagesOfConversation(d1: D1Database, conversationId: string): Promise<ImageRow[]> {
  return db(d1).select().from(images).where(eq(images.conversationId, conversationId)).orderBy(images.createdAt).all();
}

/**
 * A room takes an upload into a message: clears its send-by time, if it is still in time. False
 * when it is late (the orphan sweep may be deleting it) or already taken.
 */
export async function markImageSent(d1: D1Database, id: string, now: number): Promise<boolean> {
  const row = await db(d1)
    .update(images)
    .set({ sendBy: null })
    .where(and(eq(images.id, id), gte(images.sendBy, now)))
    .returning({ id: images.id })
    .get();
  return row !== undefined;
}

/** Up to `limit` uploads whose send-by time passed before `cutoff`: never sent in a message. */
export async function unsentImageIds(d1: D1Database, cutoff: number, limit: number): Promise<string[]> {
  const rows = await db(d1).select({ id: images.id }).from(images).where(lt(images.sendBy, cutoff)).limit(limit).all();
  return rows.map((r) => r.id);
}

/** Deletes those of `ids` that are still unsent past `cutoff` (a row a room took meanwhile stays). */
export async function deleteUnsentImageRows(d1: D1Database, ids: string[], cutoff: number): Promise<number> {
  if (ids.length === 0) return 0;
  const gone = await db(d1)
    .delete(images)
    .where(and(inArray(images.id, ids), lt(images.sendBy, cutoff)))
    .returning({ id: images.id });
  return gone.length;
}

/**
 * Pictures `senderId` uploaded that no partner received: still under check, or never sent in a
 * message of their conversation (self-erasure deletes these and leaves the received ones).
 */
export async function undeliveredImageIdsOfSender(d1: D1Database, senderId: string): Promise<string[]> {
  const orm = db(d1);
  const delivered = orm
    .select({ one: sql`1` })
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, images.conversationId),
        eq(messages.kind, "image"),
        sql`json_extract(${messages.body}, '$.id') = ${images.id}`,
      ),
    );
  const rows = await orm
    .select({ id: images.id })
    .from(images)
    .where(and(eq(images.senderId, senderId), or(eq(images.status, "pending"), notExists(delivered))))
    .all();
  return rows.map((r) => r.id);
}
