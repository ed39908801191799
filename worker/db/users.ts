import { and, eq, exists, isNull, sql } from "drizzle-orm";
import { randomId } from "../lib/random-id";
import { db } from "./client";
import { blocks, erasedUsers, reports, users, type UserRow } from "./schema";

/** last_seen_at is written at most this often per user, so a busy user is not a write per request. */
const TOUCH_EVERY_MS = 60 * 60 * 1000;

export async function findUser(d1: D1Database, id: string): Promise<UserRow | undefined> {
  return userQuery(d1, id).get();
}

/** The lookup unrun, for batching with other reads. An erased stand-in (users.erasedAt) is no account. */
export function userQuery(d1: D1Database, id: string) {
  return db(d1).select().from(users).where(and(eq(users.id, id), isNull(users.erasedAt)));
}

/**
 * The user behind an identity hash, created on first login. A person who erased themselves gets
 * a new id (their old session tokens stay dead), and what others hold against the old id moves to
 * it (from erased_users): the blocks others placed on them, the reports about them, a ban and a
 * matching suspension. The erased_users row stays (without the marks it handed over) until its
 * retention, so a partner who reports or blocks the old id later still reaches the new account
 * (currentIdOf).
 */
export async function findOrCreateUser(
  d1: D1Database,
  identityHash: string,
  platform: UserRow["platform"],
  now: number,
): Promise<UserRow> {
  const orm = db(d1);
  const id = randomId();
  const erased = eq(erasedUsers.identityHash, identityHash);
  const formerId = orm.select({ id: erasedUsers.userId }).from(erasedUsers).where(erased);
  const formerBan = orm.select({ at: erasedUsers.bannedAt }).from(erasedUsers).where(erased);
  const formerSuspension = orm.select({ at: erasedUsers.matchingSuspendedAt }).from(erasedUsers).where(erased);
  // Only when this login created the account (a concurrent login may have won the insert).
  const created = exists(orm.select({ one: users.id }).from(users).where(eq(users.id, id)));
  const [, , , , [user]] = await orm.batch([
    orm
      .insert(users)
      .values({
        id,
        identityHash,
        platform,
        createdAt: now,
        lastSeenAt: now,
        bannedAt: sql`(${formerBan})`,
        matchingSuspendedAt: sql`(${formerSuspension})`,
      })
      .onConflictDoUpdate({ target: users.identityHash, set: { lastSeenAt: now } }),
    orm.update(blocks).set({ blockedId: id }).where(and(eq(blocks.blockedId, sql`(${formerId})`), created)),
    orm.update(reports).set({ reportedId: id }).where(and(eq(reports.reportedId, sql`(${formerId})`), created)),
    orm.update(erasedUsers).set({ bannedAt: null, matchingSuspendedAt: null }).where(and(erased, created)),
    orm.select().from(users).where(eq(users.identityHash, identityHash)),
  ]);
  if (!user) throw new Error("user vanished right after upsert");
  return user;
}

export async function touchUser(d1: D1Database, user: Pick<UserRow, "id" | "lastSeenAt">, now: number): Promise<void> {
  if (now - user.lastSeenAt < TOUCH_EVERY_MS) return;
  await db(d1).update(users).set({ lastSeenAt: now }).where(eq(users.id, user.id));
}

/**
 * The account that now answers for `userId`: itself, or, for an id whose owner erased themselves
 * and logged in again, their new account (through the identity hash on erased_users). For use
 * inside the statement that records a block or a report, so the lookup and the write are one step.
 */
export function currentIdOf(userId: string) {
  return sql<string>`coalesce((select ${users.id} from ${erasedUsers} join ${users} on ${users.identityHash} = ${erasedUsers.identityHash} where ${erasedUsers.userId} = ${userId}), ${userId})`;
}
