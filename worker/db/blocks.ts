import { eq } from "drizzle-orm";
import { union } from "drizzle-orm/sqlite-core";
import { db } from "./client";
import { blocks } from "./schema";

/**
 * The lobby's veto: ids this user must never be paired with, whoever blocked whom. One query
 * per lobby join (both directions through a UNION, each side on an index).
 */
export async function blockedPartnerIds(d1: D1Database, userId: string): Promise<string[]> {
  const orm = db(d1);
  const rows = await union(
    orm.select({ id: blocks.blockedId }).from(blocks).where(eq(blocks.blockerId, userId)),
    orm.select({ id: blocks.blockerId }).from(blocks).where(eq(blocks.blockedId, userId)),
  ).all();
  return rows.map((r) => r.id);
}

/** The statement that records "blocker never meets blocked again"; repeating it is harmless. */
export function blockStatement(d1: D1Database, blockerId: string, blockedId: string, now: number) {
  return db(d1).insert(blocks).values({ blockerId, blockedId, createdAt: now }).onConflictDoNothing();
}

export async function blockUser(d1: D1Database, blockerId: string, blockedId: string, now: number): Promise<void> {
  await blockStatement(d1, blockerId, blockedId, now);
}
