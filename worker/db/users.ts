import { eq } from "drizzle-orm";
import { randomId } from "../platform/identity";
import { db } from "./client";
import { users, type UserRow } from "./schema";

/** last_seen_at is written at most this often per user, so a busy user is not a write per request. */
const TOUCH_EVERY_MS = 60 * 60 * 1000;

export async function findUser(d1: D1Database, id: string): Promise<UserRow | undefined> {
  return userQuery(d1, id).get();
}

/** The lookup unrun, for batching with other reads. */
export function userQuery(d1: D1Database, id: string) {
  return db(d1).select().from(users).where(eq(users.id, id));
}

/** The user behind an identity hash, created on first login. */
export async function findOrCreateUser(
  d1: D1Database,
  identityHash: string,
  platform: UserRow["platform"],
  now: number,
): Promise<UserRow> {
  const orm = db(d1);
  await orm
    .insert(users)
    .values({ id: randomId(), identityHash, platform, createdAt: now, lastSeenAt: now })
    .onConflictDoUpdate({ target: users.identityHash, set: { lastSeenAt: now } });
  const user = await orm.select().from(users).where(eq(users.identityHash, identityHash)).get();
  if (!user) throw new Error("user vanished right after upsert");
  return user;
}

export async function touchUser(d1: D1Database, user: Pick<UserRow, "id" | "lastSeenAt">, now: number): Promise<void> {
  if (now - user.lastSeenAt < TOUCH_EVERY_MS) return;
  await db(d1).update(users).set({ lastSeenAt: now }).where(eq(users.id, user.id));
}
