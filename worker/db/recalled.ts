import { inArray, lt } from "drizzle-orm";
import { db } from "./client";
import { recalledMessages, type RecalledMessageRow } from "./schema";

// The moderation copies of recalled texts (schema.ts recalledMessages): written with the recall,
// read only into a report's snapshot, deleted by retention after RECALL_EVIDENCE_MS.

/** How long a recalled text stays available to a report: 7 days. */
export const RECALL_EVIDENCE_MS = 7 * 24 * 60 * 60 * 1000;

/** The statement that keeps a copy of a recalled text (repeating it keeps the first). */
export function keepRecalledStatement(d1: D1Database, row: RecalledMessageRow) {
  return db(d1).insert(recalledMessages).values(row).onConflictDoNothing();
}

/** The kept texts of these recalled messages still in their window (id → text). */
export async function recalledTexts(d1: D1Database, ids: readonly string[], now: number): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db(d1)
    .select({ id: recalledMessages.messageId, body: recalledMessages.body, at: recalledMessages.recalledAt })
    .from(recalledMessages)
    .where(inArray(recalledMessages.messageId, [...ids]))
    .all();
  return new Map(rows.filter((r) => now - r.at < RECALL_EVIDENCE_MS).map((r) => [r.id, r.body]));
}

/** Retention: copies recalled before `cutoff` go; returns how many. */
export async function deleteExpiredRecalled(d1: D1Database, cutoff: number): Promise<number> {
  const deleted = await db(d1)
    .delete(recalledMessages)
    .where(lt(recalledMessages.recalledAt, cutoff))
    .returning({ id: recalledMessages.messageId });
  return deleted.length;
}
