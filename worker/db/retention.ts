import { and, eq, inArray, isNull, lt, notExists, or, gte } from "drizzle-orm";
import { db } from "./client";
import { blocks, conversations, messageFlags, messages, reports, users } from "./schema";

// The deletions behind the retention run and self-erasure. Each works in bounded batches so one
// statement never holds the database for long.

/** Deletes up to `batch` messages created before `cutoff`; returns how many went. */
export async function deleteOldMessages(d1: D1Database, cutoff: number, batch: number): Promise<number> {
  const orm = db(d1);
  const old = orm.select({ id: messages.id }).from(messages).where(lt(messages.createdAt, cutoff)).limit(batch);
  const deleted = await orm.delete(messages).where(inArray(messages.id, old)).returning({ id: messages.id });
  return deleted.length;
}

/** Conversations whose newest message is older than `cutoff` now have no history in D1. */
export async function clearStaleLastMessageAt(d1: D1Database, cutoff: number): Promise<void> {
  await db(d1).update(conversations).set({ lastMessageAt: null }).where(lt(conversations.lastMessageAt, cutoff));
}

/**
 * Up to `limit` users with no activity since `cutoff`: not seen, and no message sent. Banned and
 * matching-suspended users are kept (an id, a keyed hash and the mark), or deleting them would lift it.
 */
export async function inactiveUserIds(d1: D1Database, cutoff: number, limit: number): Promise<string[]> {
  const orm = db(d1);
  const rows = await orm
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        lt(users.lastSeenAt, cutoff),
        // An erased stand-in goes with its erasure (db/erasure.ts), not here.
        isNull(users.erasedAt),
        isNull(users.bannedAt),
        // Like a ban, a matching suspension must not lapse by waiting it out.
        isNull(users.matchingSuspendedAt),
        notExists(
          orm
            .select({ one: messages.id })
            .from(messages)
            .where(and(eq(messages.senderId, users.id), gte(messages.createdAt, cutoff))),
        ),
      ),
    )
    .limit(limit)
    .all();
  return rows.map((r) => r.id);
}

/**
 * Deletes a user (retention: inactive for RETENTION_DAYS) with everything about them: through
 * the foreign keys their conversations, their blocks and the reports they filed; explicitly the
 * blocks on them and the reports about them (those keys are gone so that self-erasure can keep
 * them, see erasure.ts). Returns how many messages went.
 */
export async function deleteUserAndHistory(d1: D1Database, userId: string): Promise<number> {
  const orm = db(d1);
  const theirs = orm
    .select({ id: conversations.id })
    .from(conversations)
    .where(or(eq(conversations.userA, userId), eq(conversations.userB, userId)));
  const [deleted] = await orm.batch([
    orm.delete(messages).where(inArray(messages.conversationId, theirs)).returning({ id: messages.id }),
    orm.delete(blocks).where(eq(blocks.blockedId, userId)),
    orm.delete(reports).where(eq(reports.reportedId, userId)),
    orm.delete(users).where(eq(users.id, userId)),
  ]);
  return deleted.length;
}

export async function deleteOldReports(d1: D1Database, cutoff: number): Promise<number> {
  const deleted = await db(d1).delete(reports).where(lt(reports.createdAt, cutoff)).returning({ id: reports.id });
  return deleted.length;
}

/**
 * Flags older than `cutoff`, and flags whose message is gone (erased) once the room has had
 * `orphanGraceMs` to copy it: a flag may be written before its message reaches D1.
 */
export async function deleteStaleFlags(d1: D1Database, cutoff: number, orphanBefore: number): Promise<number> {
  const orm = db(d1);
  const deleted = await orm
    .delete(messageFlags)
    .where(
      or(
        lt(messageFlags.createdAt, cutoff),
        and(
          lt(messageFlags.createdAt, orphanBefore),
          notExists(orm.select({ one: messages.id }).from(messages).where(eq(messages.id, messageFlags.messageId))),
        ),
      ),
    )
    .returning({ id: messageFlags.messageId });
  return deleted.length;
}
