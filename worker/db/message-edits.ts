import { and, eq, sql } from "drizzle-orm";
import { db } from "./client";
import { messages, reports, type MessageRow } from "./schema";

// Changes to single messages after they were copied: a picture passing its check, a recall,
// a picture that failed. The room applies each to its own store first; these follow in D1.

type MessageKey = Pick<MessageRow, "conversationId" | "seq">;

/** Found through the key (conversation, seq), the only index messages have. */
const byKey = (key: MessageKey) => and(eq(messages.conversationId, key.conversationId), eq(messages.seq, key.seq));

export async function rewriteMessage(d1: D1Database, key: MessageKey, kind: MessageRow["kind"], body: string): Promise<void> {
  await db(d1).update(messages).set({ kind, body }).where(byKey(key));
}

export async function deleteMessage(d1: D1Database, key: MessageKey): Promise<void> {
  await db(d1).delete(messages).where(byKey(key));
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
