import { eq } from "drizzle-orm";
import { union } from "drizzle-orm/sqlite-core";
import { db } from "./client";
import { currentIdOf } from "./users";
import { blocks } from "./schema";

/**
 * The lobby's veto: ids this user must never be paired with, whoever blocked whom (both
 * directions through a UNION, each side on an index). Unrun, so the lobby batches it per joiner.
 */
export function blockedPartnersQuery(d1: D1Database, userId: string) {
  const orm = db(d1);
  return union(
    orm.select({ id: blocks.blockedId }).from(blocks).where(eq(blocks.blockerId, userId)),
    orm.select({ id: blocks.blockerId }).from(blocks).where(eq(blocks.blockedId, userId)),
  );
}

/**
 * The statement that records "blocker never meets blocked again"; repeating it is harmless. A
 * blocked id whose owner erased themselves and came back is recorded on their new account.
 */
export function blockStatement(d1: D1Database, blockerId: string, blockedId: string, now: number) {
  return db(d1).insert(blocks).values({ blockerId, blockedId: currentIdOf(blockedId), createdAt: now }).onConflictDoNothing();
}

export async function blockUser(d1: D1Database, blockerId: string, blockedId: string, now: number): Promise<void> {
  await blockStatement(d1, blockerId, blockedId, now);
}

/** The same block as a plain D1 statement, for batches with other raw statements. */
export function blockStatementRaw(d1: D1Database, blockerId: string, blockedId: string, now: number): D1PreparedStatement {
  return d1.prepare("INSERT OR IGNORE INTO blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?)").bind(blockerId, blockedId, now);
}
