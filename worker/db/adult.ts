import { eq, sql } from "drizzle-orm";
import { liveUser } from "./bans";
import { db } from "./client";
import { erasedUsers, users } from "./schema";

// The adult confirmation and the admin's matching suspension: two columns on users.

/** Records the 18+ confirmation once (the first time is kept); undefined if there is no such user. */
export async function confirmAdult(d1: D1Database, userId: string, now: number) {
  return db(d1)
    .update(users)
    .set({ adultConfirmedAt: sql`coalesce(${users.adultConfirmedAt}, ${now})` })
    .where(liveUser(userId))
    .returning({ adultConfirmedAt: users.adultConfirmedAt })
    .get();
}

/**
 * Suspends (keeping the first time) or lifts (`now` null) matching, on the account or, for an id
 * whose owner erased themselves, on the erasure (so they come back suspended, as with a ban);
 * undefined if there is no such user.
 */
export async function setMatchingSuspended(d1: D1Database, userId: string, now: number | null) {
  const orm = db(d1);
  // Lifting a suspension that was in place starts the careful-pairing period (lobby/standing.ts).
  const resumed = now === null ? sql`CASE WHEN ${users.matchingSuspendedAt} IS NOT NULL THEN ${Date.now()} ELSE ${users.matchingResumedAt} END` : users.matchingResumedAt;
  const [[live], [erased]] = await orm.batch([
    orm
      .update(users)
      .set({ matchingSuspendedAt: now === null ? null : sql`coalesce(${users.matchingSuspendedAt}, ${now})`, matchingResumedAt: resumed })
      .where(liveUser(userId))
      .returning({ matchingSuspendedAt: users.matchingSuspendedAt }),
    orm
      .update(erasedUsers)
      .set({ matchingSuspendedAt: now === null ? null : sql`coalesce(${erasedUsers.matchingSuspendedAt}, ${now})` })
      .where(eq(erasedUsers.userId, userId))
      .returning({ matchingSuspendedAt: erasedUsers.matchingSuspendedAt }),
  ]);
  return live ?? erased;
}
