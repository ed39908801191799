import { and, eq, inArray, isNotNull, isNull, lt, sql } from "drizzle-orm";
import type { HistoryDbs } from "../history/shards";
import { db, inJson } from "./client";
import { conversationIdsOf } from "./conversations";
import { blocks, conversations, erasedUsers, messages, reports, subscriptions, users } from "./schema";

// The D1 side of self-erasure. The account's identity goes: its identity hash, its marks, its own
// blocks, reports and consents. What the partners received stays theirs: each conversation is
// hidden for the erased side only (their mark moves past everything), so the partner still reads,
// reports and blocks it until they delete it or retention does. The users row stays as an empty
// stand-in (erased_at set, no hash) so those conversations keep their keys; no lookup finds it as
// an account (db/users.ts userQuery). What others hold against the person stays, pseudonymous,
// until retention: reports about them, blocks on them, and one erased_users row (identity hash →
// old id) so that logging in again moves those to the new account (db/users.ts).

/** Past every seq: the erased side's view of each of their conversations starts after everything. */
export const ERASED_MARK = Number.MAX_SAFE_INTEGER;

interface Marks {
  id: string;
  /** The eraser's hidden mark before the erasure, and the partner's. */
  mine: number;
  theirs: number;
}

/**
 * Erases `user`: the account's part in one batch (one D1 transaction), then the messages both sides
 * no longer see, in whichever databases hold them. Returns how many messages the eraser no longer
 * sees. The ban and suspension carried to erased_users are read inside that same write, so a ban
 * that lands while the erasure runs survives it.
 */
export async function eraseUserAccount(dbs: HistoryDbs, user: { id: string }, now: number): Promise<number> {
  const orm = db(dbs.main);
  const mine = sql`(${conversations.userA} = ${user.id} OR ${conversations.userB} = ${user.id})`;
  const marks: Marks[] = await orm
    .select({
      id: conversations.id,
      mine: sql<number>`CASE WHEN ${conversations.userA} = ${user.id} THEN ${conversations.hiddenSeqA} ELSE ${conversations.hiddenSeqB} END`,
      theirs: sql<number>`CASE WHEN ${conversations.userA} = ${user.id} THEN ${conversations.hiddenSeqB} ELSE ${conversations.hiddenSeqA} END`,
    })
    .from(conversations)
    .where(mine)
    .all();
  const seen = await countAfter(dbs, marks.map((m) => [m.id, m.mine]));
  const live = and(eq(users.id, user.id), isNull(users.erasedAt));
  await orm.batch([
    // Ban and suspension as they are now, not as the request found them.
    // Columns in table order: identity_hash, user_id, erased_at, banned_at, matching_suspended_at.
    orm
      .insert(erasedUsers)
      .select(
        sql`select ${users.identityHash}, ${users.id}, ${now}, ${users.bannedAt}, ${users.matchingSuspendedAt} from ${users} where ${live}`,
      )
      .onConflictDoUpdate({
        target: erasedUsers.identityHash,
        set: {
          userId: sql`excluded.user_id`,
          erasedAt: sql`excluded.erased_at`,
          bannedAt: sql`excluded.banned_at`,
          matchingSuspendedAt: sql`excluded.matching_suspended_at`,
        },
      }),
    orm
      .update(conversations)
      .set({
        hiddenSeqA: sql`CASE WHEN ${conversations.userA} = ${user.id} THEN ${ERASED_MARK} ELSE ${conversations.hiddenSeqA} END`,
        hiddenSeqB: sql`CASE WHEN ${conversations.userB} = ${user.id} THEN ${ERASED_MARK} ELSE ${conversations.hiddenSeqB} END`,
      })
      .where(mine),
    orm.delete(blocks).where(eq(blocks.blockerId, user.id)),
    orm.delete(reports).where(eq(reports.reporterId, user.id)),
    orm.delete(subscriptions).where(eq(subscriptions.userId, user.id)),
    // The stand-in: no identity, no marks (they live on the erased_users row now).
    orm
      .update(users)
      .set({
        identityHash: sql`'erased:' || ${users.id}`,
        erasedAt: now,
        lastSeenAt: now,
        bannedAt: null,
        matchingSuspendedAt: null,
        adultConfirmedAt: null,
      })
      .where(live),
  ]);
  // What the partner had deleted too is deleted by both now (all of it when the partner erased as well).
  await deleteThrough(dbs, marks.map((m) => [m.id, m.theirs]));
  return seen;
}

/** Messages after each conversation's mark, counted in the databases holding them. */
async function countAfter(dbs: HistoryDbs, marks: Array<[string, number]>): Promise<number> {
  const counts = await Promise.all(
    [...groupMarks(dbs, marks)].map(async ([history, pairs]) => {
      const row = await db(history)
        .select({ n: sql<number>`count(*)` })
        .from(messages)
        .where(againstMarks(pairs, ">"))
        .get();
      return Number(row?.n ?? 0);
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** Deletes each conversation's messages up to its mark, in the databases holding them. */
async function deleteThrough(dbs: HistoryDbs, marks: Array<[string, number]>): Promise<void> {
  await Promise.all(
    [...groupMarks(dbs, marks.filter(([, mark]) => mark > 0))].map(([history, pairs]) =>
      db(history)
        .delete(messages)
        .where(againstMarks(pairs, "<="))
        .run(),
    ),
  );
}

/** Messages of the listed conversations whose seq is `op` their conversation's mark. */
function againstMarks(pairs: Array<[string, number]>, op: ">" | "<=") {
  return sql`EXISTS (SELECT 1 FROM json_each(${JSON.stringify(pairs)}) j WHERE json_extract(j.value, '$[0]') = ${messages.conversationId} AND ${messages.seq} ${sql.raw(op)} json_extract(j.value, '$[1]'))`;
}

function groupMarks(dbs: HistoryDbs, marks: Array<[string, number]>): Map<D1Database, Array<[string, number]>> {
  const byId = new Map(marks);
  const out = new Map<D1Database, Array<[string, number]>>();
  for (const [history, ids] of dbs.group(marks.map(([id]) => id))) out.set(history, ids.map((id) => [id, byId.get(id)!]));
  return out;
}

/** Deletes every message of these conversations, in the databases holding them; returns how many went. */
export async function deleteMessagesOf(dbs: HistoryDbs, conversationIds: readonly string[]): Promise<number> {
  const counts = await Promise.all(
    [...dbs.group(conversationIds)].map(async ([history, ids]) => {
      const gone = await db(history)
        .delete(messages)
        // As JSON: a user may have more conversations than D1 binds parameters.
        .where(inJson(messages.conversationId, ids))
        .returning({ seq: messages.seq });
      return gone.length;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * Forgets erasures older than `cutoff` (RETENTION_DAYS): the erased_users row, the blocks others
 * placed on that id, and the stand-in row with what is left of its conversations (their messages
 * are older than the erasure, so retention took them already; reports about the id go by their own
 * age). A banned or suspended erasure is kept, as such a user is, or forgetting it would lift the
 * ban. Returns how many erasures went.
 */
export async function deleteExpiredErasures(dbs: HistoryDbs, cutoff: number, limit: number): Promise<number> {
  const orm = db(dbs.main);
  const expired = await orm
    .select({ userId: erasedUsers.userId, identityHash: erasedUsers.identityHash })
    .from(erasedUsers)
    .where(and(lt(erasedUsers.erasedAt, cutoff), isNull(erasedUsers.bannedAt), isNull(erasedUsers.matchingSuspendedAt)))
    .limit(limit)
    .all();
  if (expired.length === 0) return 0;
  const ids = expired.map((e) => e.userId);
  // Anything left in the stand-ins' conversations, in whichever databases hold it (no cascade reaches a shard).
  const standIns = (await Promise.all(ids.map((id) => conversationIdsOf(dbs.main, id)))).flat();
  await deleteMessagesOf(dbs, standIns);
  await orm.batch([
    orm.delete(blocks).where(inArray(blocks.blockedId, ids)),
    // Cascades to the stand-in's conversations.
    orm.delete(users).where(and(inArray(users.id, ids), isNotNull(users.erasedAt))),
    orm.delete(erasedUsers).where(inArray(erasedUsers.identityHash, expired.map((e) => e.identityHash))),
  ]);
  return expired.length;
}
