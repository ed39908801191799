import { and, eq, isNull, sql } from "drizzle-orm";
import { auditStatement } from "./admin";
import { db } from "./client";
import { erasedUsers, users } from "./schema";

/** The account `userId`, not an erased stand-in (its marks live on the erased_users row). */
export const liveUser = (userId: string) => and(eq(users.id, userId), isNull(users.erasedAt));

/** Bans a user (keeping the first ban time if already banned); returns the row, none if there is no such user. */
export function banStatement(d1: D1Database, userId: string, now: number) {
  return db(d1)
    .update(users)
    .set({ bannedAt: sql`coalesce(${users.bannedAt}, ${now})` })
    .where(liveUser(userId))
    .returning({ bannedAt: users.bannedAt });
}

export function unbanStatement(d1: D1Database, userId: string) {
  return db(d1).update(users).set({ bannedAt: null }).where(liveUser(userId)).returning({ bannedAt: users.bannedAt });
}

/**
 * The same ban for an id whose owner erased themselves (an admin acting on a report about them):
 * kept with the erasure, so they come back banned (see users.ts findOrCreateUser).
 */
export function banErasedStatement(d1: D1Database, userId: string, now: number) {
  return db(d1)
    .update(erasedUsers)
    .set({ bannedAt: sql`coalesce(${erasedUsers.bannedAt}, ${now})` })
    .where(eq(erasedUsers.userId, userId))
    .returning({ bannedAt: erasedUsers.bannedAt });
}

export function unbanErasedStatement(d1: D1Database, userId: string) {
  return db(d1).update(erasedUsers).set({ bannedAt: null }).where(eq(erasedUsers.userId, userId)).returning({ bannedAt: erasedUsers.bannedAt });
}

/** How many rows (an account, an erasure) carry `userId`: the count an audit row records. */
export function rowsOfUser(userId: string) {
  return sql`((select count(*) from ${users} where ${liveUser(userId)}) + (select count(*) from ${erasedUsers} where ${eq(erasedUsers.userId, userId)}))`;
}

/**
 * Bans `userId` (live account or erasure row) with its audit row in one batch, so a ban is never
 * unrecorded. The ban time, or undefined when there is no such user.
 */
export async function banWithAudit(d1: D1Database, userId: string, now: number): Promise<{ bannedAt: number | null } | undefined> {
  const [[live], [erased]] = await db(d1).batch([
    banStatement(d1, userId, now),
    banErasedStatement(d1, userId, now),
    auditStatement(d1, "ban_user", userId, rowsOfUser(userId)),
  ]);
  return live ?? erased;
}

/** Lifts the ban with its audit row in one batch; false when there is no such user. */
export async function unbanWithAudit(d1: D1Database, userId: string): Promise<boolean> {
  const [[live], [erased]] = await db(d1).batch([
    unbanStatement(d1, userId),
    unbanErasedStatement(d1, userId),
    auditStatement(d1, "unban_user", userId, rowsOfUser(userId)),
  ]);
  return Boolean(live || erased);
}
