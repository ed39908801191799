import { eq, sql } from "drizzle-orm";
import { db } from "./client";
import { users } from "./schema";

/** Bans a user (keeping the first ban time if already banned); returns the row, none if there is no such user. */
export function banStatement(d1: D1Database, userId: string, now: number) {
  return db(d1)
    .update(users)
    .set({ bannedAt: sql`coalesce(${users.bannedAt}, ${now})` })
    .where(eq(users.id, userId))
    .returning({ bannedAt: users.bannedAt });
}

export function unbanStatement(d1: D1Database, userId: string) {
  return db(d1).update(users).set({ bannedAt: null }).where(eq(users.id, userId)).returning({ bannedAt: users.bannedAt });
}

export async function banUser(d1: D1Database, userId: string, now: number): Promise<{ bannedAt: number | null } | undefined> {
  return banStatement(d1, userId, now).get();
}

export async function unbanUser(d1: D1Database, userId: string): Promise<{ bannedAt: number | null } | undefined> {
  return unbanStatement(d1, userId).get();
}
