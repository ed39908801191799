import { and, desc, eq, isNotNull, lt, or } from "drizzle-orm";
import { randomId } from "../platform/identity";
import { db } from "./client";
import { conversations, messages, type ConversationRow, type MessageRow } from "./schema";

/** A pair is stored with the smaller id first, so each pair has exactly one row. */
export function orderedPair(u1: string, u2: string): [string, string] {
  return u1 < u2 ? [u1, u2] : [u2, u1];
}

export function partnerOf(conversation: Pick<ConversationRow, "userA" | "userB">, userId: string): string {
  return conversation.userA === userId ? conversation.userB : conversation.userA;
}

export async function getOrCreateConversation(
  d1: D1Database,
  u1: string,
  u2: string,
  now: number,
): Promise<ConversationRow> {
  const [row] = await getOrCreateConversations(d1, [[u1, u2]], now);
  return row;
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

/** Conversations that still have history, newest first. */
export async function listConversations(d1: D1Database, userId: string): Promise<ConversationRow[]> {
  return db(d1)
    .select()
    .from(conversations)
    .where(
      and(
        or(eq(conversations.userA, userId), eq(conversations.userB, userId)),
        isNotNull(conversations.lastMessageAt),
      ),
    )
    .orderBy(desc(conversations.lastMessageAt))
    .limit(200)
    .all();
}

export async function conversationIdsOf(d1: D1Database, userId: string): Promise<string[]> {
  const rows = await db(d1)
    .select({ id: conversations.id })
    .from(conversations)
    .where(or(eq(conversations.userA, userId), eq(conversations.userB, userId)))
    .all();
  return rows.map((r) => r.id);
}

/** Newest `limit` messages below `before` (exclusive), returned oldest first. */
export async function pageMessages(
  d1: D1Database,
  conversationId: string,
  before: number | undefined,
  limit: number,
): Promise<MessageRow[]> {
  const rows = await db(d1)
    .select()
    .from(messages)
    .where(
      before === undefined
        ? eq(messages.conversationId, conversationId)
        : and(eq(messages.conversationId, conversationId), lt(messages.seq, before)),
    )
    .orderBy(desc(messages.seq))
    .limit(limit)
    .all();
  return rows.reverse();
}

/** Deletes a conversation's history in D1; the conversation itself stays, so the pair can meet again. */
export async function deleteConversationMessages(d1: D1Database, conversationId: string): Promise<number> {
  const orm = db(d1);
  const [deleted] = await orm.batch([
    orm.delete(messages).where(eq(messages.conversationId, conversationId)).returning({ id: messages.id }),
    orm.update(conversations).set({ lastMessageAt: null }).where(eq(conversations.id, conversationId)),
  ]);
  return deleted.length;
}
