import { and, asc, desc, eq, gt, lt, or } from "drizzle-orm";
import { db } from "./client";
import { conversations, messages, users } from "./schema";

/** Users oldest first; `cursor` is the last id of the previous page (ids are random, so order by id). */
export async function pageUsers(d1: D1Database, limit: number, cursor?: string) {
  return db(d1)
    .select()
    .from(users)
    .where(cursor ? gt(users.id, cursor) : undefined)
    .orderBy(asc(users.id))
    .limit(limit)
    .all();
}

/**
 * Every message a user sent or received, newest first. `cursor` is "<createdAt>:<id>" of the last
 * row of the previous page.
 */
export async function pageUserMessages(d1: D1Database, userId: string, limit: number, cursor?: { at: number; id: string }) {
  const involved = or(eq(conversations.userA, userId), eq(conversations.userB, userId));
  const after = cursor
    ? or(lt(messages.createdAt, cursor.at), and(eq(messages.createdAt, cursor.at), lt(messages.id, cursor.id)))
    : undefined;
  return db(d1)
    .select({
      id: messages.id,
      conversationId: messages.conversationId,
      senderId: messages.senderId,
      body: messages.body,
      seq: messages.seq,
      createdAt: messages.createdAt,
    })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(and(involved, after))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(limit)
    .all();
}
