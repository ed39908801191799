import { and, eq, inArray, isNull, lt, or } from "drizzle-orm";
import { db } from "./client";
import { blocks, conversations, erasedUsers, messages, users, type UserRow } from "./schema";

// The D1 side of self-erasure. The account, its conversations and their messages, its own
// blocks and its own reports go. What others hold against the person stays, pseudonymous, until
// retention: reports about them and blocks others placed on them (neither has a foreign key to
// users), plus one erased_users row (identity hash → old id) so that logging in again with the
// same platform account moves those blocks and reports to the new account (db/users.ts).

/** Erases `user` in one batch; returns how many messages went. */
export async function eraseUserAccount(
  d1: D1Database,
  user: Pick<UserRow, "id" | "identityHash" | "bannedAt" | "matchingSuspendedAt">,
  now: number,
): Promise<number> {
  const orm = db(d1);
  const theirs = orm
    .select({ id: conversations.id })
    .from(conversations)
    .where(or(eq(conversations.userA, user.id), eq(conversations.userB, user.id)));
  const [deleted] = await orm.batch([
    orm.delete(messages).where(inArray(messages.conversationId, theirs)).returning({ id: messages.id }),
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
  return deleted.length;
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
