import { and, eq, lt } from "drizzle-orm";
import type { SubscribeKind } from "../protocol";
import { db } from "./client";
import { subscriptions, type SubscriptionRow } from "./schema";

// Subscribe-message consents: one row per person and kind, gone once used or lapsed.

export async function recordConsent(d1: D1Database, row: SubscriptionRow): Promise<void> {
  await db(d1)
    .insert(subscriptions)
    .values(row)
    .onConflictDoUpdate({
      target: [subscriptions.userId, subscriptions.kind],
      set: { sealedOpenid: row.sealedOpenid, createdAt: row.createdAt, expiresAt: row.expiresAt },
    });
}

/** Removes and returns a usable consent: whoever takes it is the only one who may send. */
export async function takeConsent(
  d1: D1Database,
  userId: string,
  kind: SubscribeKind,
  now: number,
): Promise<SubscriptionRow | undefined> {
  const [row] = await db(d1)
    .delete(subscriptions)
    .where(and(eq(subscriptions.userId, userId), eq(subscriptions.kind, kind)))
    .returning();
  return row && row.expiresAt > now ? row : undefined;
}

export async function listConsents(d1: D1Database, userId: string): Promise<SubscriptionRow[]> {
  return db(d1).select().from(subscriptions).where(eq(subscriptions.userId, userId)).all();
}

export async function withdrawConsents(d1: D1Database, userId: string): Promise<number> {
  const gone = await db(d1).delete(subscriptions).where(eq(subscriptions.userId, userId)).returning({ kind: subscriptions.kind });
  return gone.length;
}

export async function deleteLapsedConsents(d1: D1Database, now: number): Promise<number> {
  const gone = await db(d1).delete(subscriptions).where(lt(subscriptions.expiresAt, now)).returning({ kind: subscriptions.kind });
  return gone.length;
}
