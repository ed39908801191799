import { and, count, desc, eq, getTableColumns, gt, gte, isNotNull, lt, lte, or, sql } from "drizzle-orm";
import { randomId } from "../lib/random-id";
import { db } from "./client";
import { conversations, messages, type ConversationRow, type MessageRow } from "./schema";

/** A pair is stored with the smaller id first, so each pair has exactly one row. */
export function orderedPair(u1: string, u2: string): [string, string] {
  return u1 < u2 ? [u1, u2] : [u2, u1];
}

export function partnerOf(conversation: Pick<ConversationRow, "userA" | "userB">, userId: string): string {
  return conversation.userA === userId ? conversation.userB : conversation.userA;
}

/** Pairs per statement: four bound parameters a row keeps each insert under D1's 100. */
const PAIRS_PER_STATEMENT = 25;

/**
 * The conversation of each pair, created where missing, in one D1 round trip for all of them;
 * rows come back in the order of `pairs`.
 */
export async function getOrCreateConversations(
  d1: D1Database,
  pairs: readonly (readonly [string, string])[],
  now: number,
  /** Set by the lobby: the pairs were just matched (starts REMATCH_COOLDOWN_MS; reopens an ended chat). */
  matched = false,
): Promise<ConversationRow[]> {
  if (pairs.some(([u1, u2]) => u1 === u2)) throw new Error("a user cannot converse with themselves");
  const ordered = pairs.map(([u1, u2]) => orderedPair(u1, u2));
  const orm = db(d1);
  const inserts = [];
  const selects = [];
  for (let i = 0; i < ordered.length; i += PAIRS_PER_STATEMENT) {
    const chunk = ordered.slice(i, i + PAIRS_PER_STATEMENT);
    inserts.push(
      orm
        .insert(conversations)
        .values(chunk.map(([userA, userB]) => ({ id: randomId(), userA, userB, createdAt: now })))
        .onConflictDoNothing(),
    );
    if (matched) {
      inserts.push(
        orm
          .update(conversations)
          .set({ lastMatchedAt: now })
          .where(or(...chunk.map(([userA, userB]) => and(eq(conversations.userA, userA), eq(conversations.userB, userB))))),
      );
    }
    selects.push(
      orm
        .select()
        .from(conversations)
        .where(or(...chunk.map(([userA, userB]) => and(eq(conversations.userA, userA), eq(conversations.userB, userB))))),
    );
  }
  if (inserts.length === 0) return [];
  const [first, ...rest] = [...inserts, ...selects];
  const results = await orm.batch([first, ...rest]);
  const found = new Map<string, ConversationRow>();
  for (const rows of results.slice(inserts.length) as ConversationRow[][]) {
    for (const row of rows) found.set(`${row.userA}|${row.userB}`, row);
  }
  return ordered.map(([userA, userB]) => {
    const row = found.get(`${userA}|${userB}`);
    if (!row) throw new Error("conversation missing right after insert");
    return row;
  });
}

export async function findConversation(d1: D1Database, id: string): Promise<ConversationRow | undefined> {
  return conversationQuery(d1, id).get();
}

/** The lookup unrun, for batching with other reads. */
export function conversationQuery(d1: D1Database, id: string) {
  return db(d1).select().from(conversations).where(eq(conversations.id, id));
}

/** The conversation, only if `userId` is one of its two people. */
export async function findOwnConversation(
  d1: D1Database,
  id: string,
  userId: string,
): Promise<ConversationRow | undefined> {
  const row = await findConversation(d1, id);
  return row && (row.userA === userId || row.userB === userId) ? row : undefined;
}

/** Where `userId`'s view of a conversation starts: after the seq they deleted up to (0: all of it). */
export function hiddenMarkOf(conversation: Pick<ConversationRow, "userA" | "hiddenSeqA" | "hiddenSeqB">, userId: string): number {
  return conversation.userA === userId ? conversation.hiddenSeqA : conversation.hiddenSeqB;
}

/**
 * 1 when `userId`'s partner in the row erased themselves (their users row is an erased stand-in).
 * Spelled out: drizzle writes a selected column without its table, which the subquery would capture.
 */
function partnerErasedFor(userId: string) {
  return sql<number>`EXISTS (SELECT 1 FROM "users" AS "p" WHERE "p"."erased_at" IS NOT NULL AND "p"."id" = (CASE WHEN "conversations"."user_a" = ${userId} THEN "conversations"."user_b" ELSE "conversations"."user_a" END))`;
}

export type OwnConversation = ConversationRow & { partnerErased: boolean };

/** The conversation, only if `userId` is one of its two people, with whether the partner erased themselves. */
export async function findOwnConversationView(d1: D1Database, id: string, userId: string): Promise<OwnConversation | undefined> {
  const row = await db(d1)
    .select({ ...getTableColumns(conversations), partnerErased: partnerErasedFor(userId) })
    .from(conversations)
    .where(and(eq(conversations.id, id), or(eq(conversations.userA, userId), eq(conversations.userB, userId))))
    .get();
  return row && { ...row, partnerErased: Boolean(row.partnerErased) };
}

/** Conversations that still have history this user has not deleted, newest first. */
export async function listConversations(d1: D1Database, userId: string): Promise<OwnConversation[]> {
  const orm = db(d1);
  const mark = sql`(CASE WHEN ${conversations.userA} = ${userId} THEN ${conversations.hiddenSeqA} ELSE ${conversations.hiddenSeqB} END)`;
  const rows = await orm
    .select({ ...getTableColumns(conversations), partnerErased: partnerErasedFor(userId) })
    .from(conversations)
    .where(
      and(
        or(eq(conversations.userA, userId), eq(conversations.userB, userId)),
        isNotNull(conversations.lastMessageAt),
        // The copy keeps last_seq, so this needs no read of messages (which may be in another database).
        gt(conversations.lastSeq, mark),
      ),
    )
    .orderBy(desc(conversations.lastMessageAt))
    .limit(200)
    .all();
  return rows.map((row) => ({ ...row, partnerErased: Boolean(row.partnerErased) }));
}

export async function conversationIdsOf(d1: D1Database, userId: string): Promise<string[]> {
  const rows = await db(d1)
    .select({ id: conversations.id })
    .from(conversations)
    .where(or(eq(conversations.userA, userId), eq(conversations.userB, userId)))
    .all();
  return rows.map((r) => r.id);
}

/** Newest `limit` messages below `before` (exclusive) and above `after`, returned oldest first. */
export async function pageMessages(
  d1: D1Database,
  conversationId: string,
  before: number | undefined,
  limit: number,
  after = 0,
): Promise<MessageRow[]> {
  const rows = await db(d1)
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, conversationId),
        before === undefined ? undefined : lt(messages.seq, before),
        after > 0 ? gt(messages.seq, after) : undefined,
      ),
    )
    .orderBy(desc(messages.seq))
    .limit(limit)
    .all();
  return rows.reverse();
}

/**
 * Deletes a conversation's history in D1 (`history`: the database holding it, see
 * history/shards.ts); the conversation itself stays in `main`, so the pair can meet again.
 */
export async function deleteConversationMessages(main: D1Database, history: D1Database, conversationId: string): Promise<number> {
  const deleted = await db(history).delete(messages).where(eq(messages.conversationId, conversationId)).returning({ seq: messages.seq });
  await db(main).update(conversations).set({ lastMessageAt: null, firstMessageAt: null }).where(eq(conversations.id, conversationId));
  return deleted.length;
}

/**
 * "Delete chat" for one participant: their mark moves up to `upTo` (or the newest seq D1 has, if
 * higher) and never down. Returns their mark and the lower of the two (what both have deleted).
 */
export async function hideConversationFor(
  d1: D1Database,
  conversationId: string,
  userId: string,
  upTo: number,
): Promise<{ mine: number; both: number }> {
  // last_seq: the newest seq D1 holds, kept by the copy.
  const raise = (column: typeof conversations.hiddenSeqA | typeof conversations.hiddenSeqB) => sql`max(${column}, ${upTo}, ${conversations.lastSeq})`;
  const [row] = await db(d1)
    .update(conversations)
    .set({
      hiddenSeqA: sql`CASE WHEN ${conversations.userA} = ${userId} THEN ${raise(conversations.hiddenSeqA)} ELSE ${conversations.hiddenSeqA} END`,
      hiddenSeqB: sql`CASE WHEN ${conversations.userB} = ${userId} THEN ${raise(conversations.hiddenSeqB)} ELSE ${conversations.hiddenSeqB} END`,
    })
    .where(and(eq(conversations.id, conversationId), or(eq(conversations.userA, userId), eq(conversations.userB, userId))))
    .returning({ userA: conversations.userA, hiddenSeqA: conversations.hiddenSeqA, hiddenSeqB: conversations.hiddenSeqB });
  if (!row) return { mine: 0, both: 0 };
  return { mine: hiddenMarkOf(row, userId), both: Math.min(row.hiddenSeqA, row.hiddenSeqB) };
}

/** How many messages D1 holds with seq in (after, upTo]. */
export async function countMessagesBetween(d1: D1Database, conversationId: string, after: number, upTo: number): Promise<number> {
  const [row] = await db(d1)
    .select({ n: count() })
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), gt(messages.seq, after), lte(messages.seq, upTo)));
  return row?.n ?? 0;
}

/** Deletes what both participants have deleted (seq up to `seq`); returns how many went. */
export async function deleteMessagesThrough(d1: D1Database, conversationId: string, seq: number): Promise<number> {
  const deleted = await db(d1)
    .delete(messages)
    .where(and(eq(messages.conversationId, conversationId), lte(messages.seq, seq)))
    .returning({ id: messages.id });
  return deleted.length;
}

/** Message `messageId` of this conversation and up to `radius` on each side of it, oldest first (a report's context). */
export async function messagesAround(d1: D1Database, conversationId: string, messageId: string, radius: number): Promise<MessageRow[]> {
  const orm = db(d1);
  const at = sql`(SELECT ${messages.seq} FROM ${messages} WHERE ${messages.id} = ${messageId} AND ${messages.conversationId} = ${conversationId})`;
  return orm
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), gte(messages.seq, sql`${at} - ${radius}`), lte(messages.seq, sql`${at} + ${radius}`)))
    .orderBy(messages.seq)
    .all();
}
