import { and, eq, gte, inArray, isNull, lt, notExists, or, sql } from "drizzle-orm";
import type { HistoryDbs } from "../history/shards";
import { db, inJson } from "./client";
import { conversationIdsOf } from "./conversations";
import { deleteMessagesOf } from "./erasure";
import { blocks, conversations, messageFlags, messageMinutes, messages, reports, users } from "./schema";

// The deletions behind the retention run and self-erasure. Each works in bounded batches so one
// statement never holds the database for long.

/**
 * Deletes the messages created before `cutoff` in up to `batch` conversations, found through
 * conversations.first_message_at (messages have no index on time), and moves each one's mark up
 * to its oldest remaining message. Returns how many messages went and how many conversations were done.
 */
export async function deleteOldMessages(dbs: HistoryDbs, cutoff: number, batch: number): Promise<{ messages: number; conversations: number }> {
  const orm = db(dbs.main);
  const due = await orm
    .select({ id: conversations.id })
    .from(conversations)
    .where(lt(conversations.firstMessageAt, cutoff))
    .limit(batch)
    .all();
  if (due.length === 0) return { messages: 0, conversations: 0 };
  const ids = due.map((c) => c.id);
  let deleted = 0;
  // Each conversation's oldest remaining message (absent: none left), read where its history lives.
  const oldest = new Map<string, number>();
  for (const [history, theirs] of dbs.group(ids)) {
    const h = db(history);
    const [gone, left] = await h.batch([
      h
        .delete(messages)
        .where(and(inArray(messages.conversationId, theirs), lt(messages.createdAt, cutoff)))
        .returning({ seq: messages.seq }),
      h
        .select({ id: messages.conversationId, first: sql<number>`min(${messages.createdAt})` })
        .from(messages)
        .where(inArray(messages.conversationId, theirs))
        .groupBy(messages.conversationId),
    ]);
    deleted += gone.length;
    for (const row of left) oldest.set(row.id, row.first);
  }
  await orm
    .update(conversations)
    .set({ firstMessageAt: sql`(SELECT l.value ->> 1 FROM json_each(${JSON.stringify([...oldest])}) AS l WHERE l.value ->> 0 = ${conversations.id})` })
    .where(inArray(conversations.id, ids));
  return { messages: deleted, conversations: ids.length };
}

/** The console's per-minute message counts older than a day. */
export async function deleteOldMinutes(histories: readonly D1Database[], now: number): Promise<void> {
  for (const d1 of histories) {
    await db(d1)
      .delete(messageMinutes)
      .where(lt(messageMinutes.minute, Math.floor((now - 24 * 60 * 60 * 1000) / 60_000)));
  }
}

/** Conversations whose newest message is older than `cutoff` now have no history in D1. */
export async function clearStaleLastMessageAt(d1: D1Database, cutoff: number): Promise<void> {
  await db(d1).update(conversations).set({ lastMessageAt: null }).where(lt(conversations.lastMessageAt, cutoff));
}

/**
 * Up to `limit` users with no activity since `cutoff`: not seen, and no message sent. Banned and
 * matching-suspended users are kept (an id, a keyed hash and the mark), or deleting them would lift it.
 */
export async function inactiveUserIds(dbs: HistoryDbs, cutoff: number, limit: number): Promise<string[]> {
  const orm = db(dbs.main);
  const candidates = (
    await orm
      .select({ id: users.id })
      .from(users)
      // Like a ban, a matching suspension must not lapse by waiting it out.
      // An erased stand-in goes with its erasure (db/erasure.ts), not here.
      .where(and(lt(users.lastSeenAt, cutoff), isNull(users.erasedAt), isNull(users.bannedAt), isNull(users.matchingSuspendedAt)))
      .limit(limit)
      .all()
  ).map((r) => r.id);
  if (candidates.length === 0) return [];
  // Sent since the cutoff: only conversations with a message since then can hold one, and each is
  // searched through its own key (messages have no index on sender), where its history lives.
  const recent = await orm
    .select({ id: conversations.id })
    .from(conversations)
    .where(
      and(
        gte(conversations.lastMessageAt, cutoff),
        or(
          inJson(conversations.userA, candidates),
          inJson(conversations.userB, candidates),
        ),
      ),
    )
    .all();
  const senders = new Set<string>();
  for (const [history, ids] of dbs.group(recent.map((c) => c.id))) {
    const rows = await db(history)
      .selectDistinct({ id: messages.senderId })
      .from(messages)
      .where(
        and(
          inJson(messages.conversationId, ids),
          gte(messages.createdAt, cutoff),
          inJson(messages.senderId, candidates),
        ),
      )
      .all();
    for (const row of rows) senders.add(row.id);
  }
  return candidates.filter((id) => !senders.has(id));
}

/**
 * Deletes a user (retention: inactive for RETENTION_DAYS) with everything about them: their
 * messages wherever they live, through the foreign keys their conversations, their blocks and the
 * reports they filed; explicitly the blocks on them and the reports about them (those keys are
 * gone so that self-erasure can keep them, see erasure.ts). Returns how many messages went.
 */
export async function deleteUserAndHistory(dbs: HistoryDbs, userId: string): Promise<number> {
  const orm = db(dbs.main);
  const deleted = await deleteMessagesOf(dbs, await conversationIdsOf(dbs.main, userId));
  await orm.batch([
    orm.delete(blocks).where(eq(blocks.blockedId, userId)),
    orm.delete(reports).where(eq(reports.reportedId, userId)),
    orm.delete(users).where(eq(users.id, userId)),
  ]);
  return deleted;
}

export async function deleteOldReports(d1: D1Database, cutoff: number): Promise<number> {
  const deleted = await db(d1).delete(reports).where(lt(reports.createdAt, cutoff)).returning({ id: reports.id });
  return deleted.length;
}

/**
 * Flags older than `cutoff`, and flags whose message is gone (erased) once the room has had
 * `orphanGraceMs` to copy it: a flag may be written before its message reaches D1.
 */
export async function deleteStaleFlags(histories: readonly D1Database[], cutoff: number, orphanBefore: number): Promise<number> {
  let n = 0;
  // Flags live beside their messages (history/shards.ts).
  for (const d1 of histories) n += await deleteStaleFlagsIn(d1, cutoff, orphanBefore);
  return n;
}

async function deleteStaleFlagsIn(d1: D1Database, cutoff: number, orphanBefore: number): Promise<number> {
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
