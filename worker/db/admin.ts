import { and, asc, desc, eq, gt, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import { db, inJson } from "./client";
import type { HistoryDbs } from "../history/shards";
import { adminAudit, conversations, messages, users } from "./schema";

// The admin audit trail. A D1 write and its audit row go in one batch (auditStatement), so an
// action is never unrecorded; work done outside D1 (through a room) is recorded before it starts
// (auditIntent) and its count filled in after (settleAudit).

/** Rows changed by the statement just before this one in the same batch (SQLite's changes()). */
export const CHANGED_ROWS = sql`changes()`;

export function auditStatement(d1: D1Database, action: string, target: string | null, count: number | SQL | null) {
  return db(d1).insert(adminAudit).values({ at: Date.now(), action, target, count });
}

/** Records an action about to happen; returns the row id for settleAudit. */
/** Every admin call leaves a row: what was done, to whom, how many records it touched. */
export async function audit(d1: D1Database, action: string, target: string | null, count: number | null): Promise<void> {
  await auditStatement(d1, action, target, count);
}

/** Records an action about to happen; returns the row id for settleAudit. */
export async function auditIntent(d1: D1Database, action: string, target: string | null): Promise<number> {
  const row = await db(d1).insert(adminAudit).values({ at: Date.now(), action, target, count: null }).returning({ id: adminAudit.id }).get();
  return row.id;
}

export async function settleAudit(d1: D1Database, id: number, count: number): Promise<void> {
  await db(d1).update(adminAudit).set({ count }).where(eq(adminAudit.id, id));
}

/** Users oldest first; `cursor` is the last id of the previous page (ids are random, so order by id). */
export async function pageUsers(d1: D1Database, limit: number, cursor?: string) {
  return db(d1)
    .select()
    .from(users)
    .where(and(isNull(users.erasedAt), cursor ? gt(users.id, cursor) : undefined))
    .orderBy(asc(users.id))
    .limit(limit)
    .all();
}

/**
 * Every message a user sent or received, newest first. `cursor` is "<createdAt>:<id>" of the last
 * row of the previous page.
 */
export async function pageUserMessages(dbs: HistoryDbs, userId: string, limit: number, cursor?: { at: number; id: string }) {
  const ids = (
    await db(dbs.main)
      .select({ id: conversations.id })
      .from(conversations)
      .where(or(eq(conversations.userA, userId), eq(conversations.userB, userId)))
      .all()
  ).map((c) => c.id);
  const after = cursor
    ? or(lt(messages.createdAt, cursor.at), and(eq(messages.createdAt, cursor.at), lt(messages.id, cursor.id)))
    : undefined;
  // Each history database gives its newest `limit`; the merge keeps the newest `limit` of all.
  const pages = await Promise.all(
    [...dbs.group(ids)].map(([history, theirs]) =>
      db(history)
        .select({
          id: messages.id,
          conversationId: messages.conversationId,
          senderId: messages.senderId,
          body: messages.body,
          seq: messages.seq,
          createdAt: messages.createdAt,
        })
        .from(messages)
        // As JSON: a user may have more conversations than D1 binds parameters.
        .where(and(inJson(messages.conversationId, theirs), after))
        .orderBy(desc(messages.createdAt), desc(messages.id))
        .limit(limit)
        .all(),
    ),
  );
  return pages
    .flat()
    .sort((x, y) => y.createdAt - x.createdAt || (x.id < y.id ? 1 : x.id > y.id ? -1 : 0))
    .slice(0, limit);
}
