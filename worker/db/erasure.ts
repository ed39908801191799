import { and, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import type { HistoryDbs } from "../history/shards";
import { db } from "./client";
import { conversationIdsOf } from "./conversations";
import { blocks, erasedUsers, messages, users, type UserRow } from "./schema";

// The D1 side of self-erasure. The account, its conversations and their messages, its own
// blocks and its own reports go. What others hold against the person stays, pseudonymous, until
// retention: reports about them and blocks others placed on them (neither has a foreign key to
// users), plus one erased_users row (identity hash → old id) so that logging in again with the
// same platform account moves those blocks and reports to the new account (db/users.ts).

/** Erases `user` in one batch; returns how many messages went. */
export async function eraseUserAccount(
  dbs: HistoryDbs,
  user: Pick<UserRow, "id" | "identityHash" | "bannedAt" | "matchingSuspendedAt">,
  now: number,
): Promise<number> {
  const orm = db(dbs.main);
  // Messages first, in whichever databases hold them: should the account's batch then fail, a retry finds the same conversations.
  const deleted = await deleteMessagesOf(dbs, await conversationIdsOf(dbs.main, user.id));
  await orm.batch([
    orm
      .insert(erasedUsers)
      // A ban or a matching suspension outlives the erasure (an admin may erase a banned user).
      .values({ identityHash: user.identityHash, userId: user.id, erasedAt: now, bannedAt: user.bannedAt, matchingSuspendedAt: user.matchingSuspendedAt })
      .onConflictDoUpdate({
        target: erasedUsers.identityHash,
        set: { userId: user.id, erasedAt: now, bannedAt: user.bannedAt, matchingSuspendedAt: user.matchingSuspendedAt },
      }),
    // Cascades to their conversations, their blocks and the reports they filed.
    orm.delete(users).where(eq(users.id, user.id)),
  ]);
  return deleted;
}

/** Deletes every message of these conversations, in the databases holding them; returns how many went. */
export async function deleteMessagesOf(dbs: HistoryDbs, conversationIds: readonly string[]): Promise<number> {
  const counts = await Promise.all(
    [...dbs.group(conversationIds)].map(async ([history, ids]) => {
      const gone = await db(history)
        .delete(messages)
        // As JSON: a user may have more conversations than D1 binds parameters.
        .where(sql`${messages.conversationId} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`)
        .returning({ seq: messages.seq });
      return gone.length;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * Forgets erasures older than `cutoff` (RETENTION_DAYS), with the blocks others placed on those
 * ids; reports about them are already gone by their own age. A banned or suspended erasure is
 * kept, as such a user is, or forgetting it would lift the ban. Returns how many erasures went.
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
    orm.delete(erasedUsers).where(inArray(erasedUsers.identityHash, expired.map((e) => e.identityHash))),
  ]);
  return expired.length;
}
