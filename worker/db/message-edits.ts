import { and, eq, sql } from "drizzle-orm";
import { db } from "./client";
import { keepRecalledStatement } from "./recalled";
import { messages, reports, type MessageRow } from "./schema";

// Changes to single messages after they were copied: a picture passing its check, a recall,
// a picture that failed. The room applies each to its own store first; these follow in D1.

type MessageKey = Pick<MessageRow, "conversationId" | "seq">;

/** Found through the key (conversation, seq), the only index messages have. */
const byKey = (key: MessageKey) => and(eq(messages.conversationId, key.conversationId), eq(messages.seq, key.seq));

export async function rewriteMessage(d1: D1Database, key: MessageKey, kind: MessageRow["kind"], body: string): Promise<void> {
  await db(d1).update(messages).set({ kind, body }).where(byKey(key));
}

/**
 * A recall in D1: the row keeps its place as `recalled` with its text emptied, and a text's words
 * go to the moderation copy (db/recalled.ts, in `main`) first, for a report within the window; in
 * one batch when the history is `main` itself.
 */
export async function recallMessage(
  main: D1Database,
  history: D1Database,
  message: MessageKey & { id: string; senderId: string; body: string | null },
  now: number,
): Promise<void> {
  const rewrite = db(history).update(messages).set({ kind: "recalled", body: "" }).where(byKey(message));
  if (message.body === null) return void (await rewrite);
  const keep = keepRecalledStatement(main, { messageId: message.id, conversationId: message.conversationId, senderId: message.senderId, body: message.body, recalledAt: now });
  if (main === history) {
    await db(main).batch([keep, rewrite]);
    return;
  }
  await keep;
  await rewrite;
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
