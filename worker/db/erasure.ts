import { and, count, eq, gt, inArray, isNotNull, isNull, lt, lte, or, sql } from "drizzle-orm";
import { db } from "./client";
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

/**
 * Erases `user` in one batch (one D1 transaction); returns how many messages they no longer see.
 * The ban and suspension carried to erased_users are read inside that same write, so a ban that
 * lands while the erasure runs survives it.
 */
export async function eraseUserAccount(d1: D1Database, user: { id: string }, now: number): Promise<number> {
  const orm = db(d1);
  const mine = or(eq(conversations.userA, user.id), eq(conversations.userB, user.id));
  const theirs = orm.select({ id: conversations.id }).from(conversations).where(mine);
  const myMark = sql`(CASE WHEN ${conversations.userA} = ${user.id} THEN ${conversations.hiddenSeqA} ELSE ${conversations.hiddenSeqB} END)`;
  const live = and(eq(users.id, user.id), isNull(users.erasedAt));
  const [[seen]] = await orm.batch([
    // What they could still see, for the answer.
    orm
      .select({ n: count() })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(and(mine, gt(messages.seq, myMark))),
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
    // What the partner had deleted too is deleted by both now (all of it when the partner erased as well).
    orm
      .delete(messages)
      .where(
        and(
          inArray(messages.conversationId, theirs),
          lte(
            messages.seq,
            sql`(SELECT min(${conversations.hiddenSeqA}, ${conversations.hiddenSeqB}) FROM ${conversations} WHERE ${conversations.id} = ${messages.conversationId})`,
          ),
        ),
      ),
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
  return seen?.n ?? 0;
}

/**
 * Forgets erasures older than `cutoff` (RETENTION_DAYS): the erased_users row, the blocks others
 * placed on that id, and the stand-in row with what is left of its conversations (their messages
 * are older than the erasure, so retention took them already; reports about the id go by their own
 * age). A banned or suspended erasure is kept, as such a user is, or forgetting it would lift the
 * ban. Returns how many erasures went.
 */
export async function deleteExpiredErasures(d1: D1Database, cutoff: number, limit: number): Promise<number> {
  const orm = db(d1);
  const expired = await orm
    .select({ userId: erasedUsers.userId, identityHash: erasedUsers.identityHash })
    .from(erasedUsers)
    .where(and(lt(erasedUsers.erasedAt, cutoff), isNull(erasedUsers.bannedAt), isNull(erasedUsers.matchingSuspendedAt)))
    .limit(limit)
    .all();
  if (expired.length === 0) return 0;
  const ids = expired.map((e) => e.userId);
  await orm.batch([
    orm.delete(blocks).where(inArray(blocks.blockedId, ids)),
    // Cascades to the stand-in's conversations and any message left in them.
    orm.delete(users).where(and(inArray(users.id, ids), isNotNull(users.erasedAt))),
    orm.delete(erasedUsers).where(inArray(erasedUsers.identityHash, expired.map((e) => e.identityHash))),
  ]);
  return expired.length;
}
