import { eq, sql } from "drizzle-orm";
import { db } from "./client";
import { users } from "./schema";

/** Bans a user (keeping the first ban time if already banned); undefined if there is no such user. */
export async function banUser(d1: D1Database, userId: string, now: number): Promise<{ bannedAt: number | null } | undefined> {
  return db(d1)
    .update(users)
    .set({ bannedAt: sql`coalesce(${users.bannedAt}, ${now})` })
    .where(eq(users.id, userId))
    .returning({ bannedAt: users.bannedAt })
    .get();
}

export async function unbanUser(d1: D1Database, userId: string): Promise<{ bannedAt: number | null } | undefined> {
  return db(d1).update(users).set({ bannedAt: null }).where(eq(users.id, userId)).returning({ bannedAt: users.bannedAt }).get();
}
