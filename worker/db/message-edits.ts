import { and, eq, sql } from "drizzle-orm";
import { db } from "./client";
import { keepRecalledStatement } from "./recalled";
import { messages, reports, type MessageRow } from "./schema";

// Changes to single messages after they were copied: a picture passing its check, a recall,
// a picture that failed. The room applies each to its own store first; these follow in D1.

export async function rewriteMessage(d1: D1Database, id: string, kind: MessageRow["kind"], body: string): Promise<void> {
  await db(d1).update(messages).set({ kind, body }).where(eq(messages.id, id));
}

/**
 * A recall in D1: the row keeps its place as `recalled` with its text emptied, and a text's words
 * go to the moderation copy (db/recalled.ts) in the same batch, for a report within the window.
 */
export async function recallMessage(d1: D1Database, message: { id: string; conversationId: string; senderId: string; body: string | null }, now: number): Promise<void> {
  const orm = db(d1);
  const rewrite = orm.update(messages).set({ kind: "recalled", body: "" }).where(eq(messages.id, message.id));
  if (message.body === null) return void (await rewrite);
  await orm.batch([
    keepRecalledStatement(d1, { messageId: message.id, conversationId: message.conversationId, senderId: message.senderId, body: message.body, recalledAt: now }),
    rewrite,
  ]);
}

export async function deleteMessage(d1: D1Database, id: string): Promise<void> {
  await db(d1).delete(messages).where(eq(messages.id, id));
}

/** Whether a report on this conversation kept message `id` in its snapshot (evidence outlives a recall). */
export async function reportHolds(d1: D1Database, conversationId: string, id: string): Promise<boolean> {
  const needle = JSON.stringify({ id }).slice(1, -1); // "id":"…", as the snapshot's JSON spells it
  const rows = await db(d1)
    .select({ id: reports.id })
    .from(reports)
    .where(and(eq(reports.conversationId, conversationId), sql`instr(${reports.snapshot}, ${needle}) > 0`))
    .limit(1);
  return rows.length > 0;
}
