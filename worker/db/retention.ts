import { and, eq, gte, inArray, isNull, lt, notExists, or, sql } from "drizzle-orm";
import { db } from "./client";
import { blocks, conversations, messageFlags, messageMinutes, messages, reports, users } from "./schema";

// The deletions behind the retention run and self-erasure. Each works in bounded batches so one
// statement never holds the database for long.

/**
 * Deletes the messages created before `cutoff` in up to `batch` conversations, found through
 * conversations.first_message_at (messages have no index on time), and moves each one's mark up
 * to its oldest remaining message. Returns how many messages went and how many conversations were done.
 */
export async function deleteOldMessages(d1: D1Database, cutoff: number, batch: number): Promise<{ messages: number; conversations: number }> {
  const orm = db(d1);
  const due = await orm
    .select({ id: conversations.id })
    .from(conversations)
    .where(lt(conversations.firstMessageAt, cutoff))
    .limit(batch)
    .all();
  if (due.length === 0) return { messages: 0, conversations: 0 };
  const ids = due.map((c) => c.id);
  const [deleted] = await orm.batch([
    orm
      .delete(messages)
      .where(and(inArray(messages.conversationId, ids), lt(messages.createdAt, cutoff)))
      .returning({ seq: messages.seq }),
    orm
      .update(conversations)
      .set({ firstMessageAt: sql`(SELECT min(${messages.createdAt}) FROM ${messages} WHERE ${messages.conversationId} = ${conversations.id})` })
      .where(inArray(conversations.id, ids)),
  ]);
  return { messages: deleted.length, conversations: ids.length };
}

/** The console's per-minute message counts older than a day. */
export async function deleteOldMinutes(d1: D1Database, now: number): Promise<void> {
  await db(d1)
    .delete(messageMinutes)
    .where(lt(messageMinutes.minute, Math.floor((now - 24 * 60 * 60 * 1000) / 60_000)));
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
        isNull(users.bannedAt),
        // Like a ban, a matching suspension must not lapse by waiting it out.
        isNull(users.matchingSuspendedAt),
        // Sent since the cutoff: only conversations with a message since then can hold one, and
        // each is searched through its own key (messages have no index on sender).
        notExists(
          orm
            .select({ one: sql`1` })
            .from(conversations)
            .innerJoin(messages, eq(messages.conversationId, conversations.id))
            .where(
              and(
                or(eq(conversations.userA, users.id), eq(conversations.userB, users.id)),
                gte(conversations.lastMessageAt, cutoff),
                eq(messages.senderId, users.id),
                gte(messages.createdAt, cutoff),
              ),
            ),
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
    orm.delete(messages).where(inArray(messages.conversationId, theirs)).returning({ seq: messages.seq }),
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
          notExists(
            orm
              .select({ one: sql`1` })
              .from(messages)
              .where(and(eq(messages.conversationId, messageFlags.conversationId), eq(messages.id, messageFlags.messageId))),
          ),
        ),
      ),
    )
    .returning({ id: messageFlags.messageId });
  return deleted.length;
}
