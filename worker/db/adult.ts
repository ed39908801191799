import { eq, sql } from "drizzle-orm";
import { db } from "./client";
import { users } from "./schema";

// The adult confirmation and the admin's matching suspension: two columns on users.

/** Records the 18+ confirmation once (the first time is kept); undefined if there is no such user. */
export async function confirmAdult(d1: D1Database, userId: string, now: number) {
  return db(d1)
    .update(users)
    .set({ adultConfirmedAt: sql`coalesce(${users.adultConfirmedAt}, ${now})` })
    .where(eq(users.id, userId))
    .returning({ adultConfirmedAt: users.adultConfirmedAt })
    .get();
}

/** Suspends (keeping the first time) or lifts (`now` null) matching; undefined if there is no such user. */
export async function setMatchingSuspended(d1: D1Database, userId: string, now: number | null) {
  const value = now === null ? null : sql`coalesce(${users.matchingSuspendedAt}, ${now})`;
  // Lifting a suspension that was in place starts the careful-pairing period (lobby/standing.ts).
  const resumed = now === null ? sql`CASE WHEN ${users.matchingSuspendedAt} IS NOT NULL THEN ${Date.now()} ELSE ${users.matchingResumedAt} END` : users.matchingResumedAt;
  return db(d1)
    .update(users)
    .set({ matchingSuspendedAt: value, matchingResumedAt: resumed })
    .where(eq(users.id, userId))
    .returning({ matchingSuspendedAt: users.matchingSuspendedAt })
    .get();
}
