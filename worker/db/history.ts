// The D1 side of the history copy: many conversations' new messages in one batch (one write
// transaction), idempotent on message id, and harmless for a conversation that no longer exists.
import type { MessageFlagRow, MessageRow } from "./schema";

/** One room's hand-off: its messages not yet in D1 (in seq order) and their admin flags. */
export interface ConversationCopy {
  conversationId: string;
  rows: (Omit<MessageRow, "kind"> & Partial<Pick<MessageRow, "kind">>)[];
  flags: MessageFlagRow[];
}

export interface CopyOutcome {
  /** Conversations that were not in D1 (erased): their rows were skipped. */
  missing: Set<string>;
  /** SQLite's own count of rows written by the transaction, indexes included. */
  rowsWritten: number;
}

// D1 allows 100 bound parameters per statement.
const MESSAGE_ROWS = 14; // 7 a row, plus the conversation id (D1 binds at most 100)
const FLAG_ROWS = 25; // 4 a row
const IDS = 100;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const values = (rows: number, columns: number) =>
  Array.from({ length: rows }, () => `(${Array.from({ length: columns }, () => "?").join(", ")})`).join(", ");

/**
 * Writes every group in one D1 batch. Rows whose conversation is gone are filtered by the insert
 * itself (an erased pair must not come back, and one missing conversation must not fail the others).
 */
export async function copyHistory(d1: D1Database, groups: readonly ConversationCopy[]): Promise<CopyOutcome> {
  const statements: D1PreparedStatement[] = [];
  for (const g of groups) {
    for (const chunk of chunks(g.rows, MESSAGE_ROWS)) {
      statements.push(
        d1
          .prepare(
            `INSERT INTO messages (id, conversation_id, sender_id, body, seq, created_at, kind)
             SELECT column1, column2, column3, column4, column5, column6, column7 FROM (VALUES ${values(chunk.length, 7)})
             WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?)
             ON CONFLICT DO NOTHING`,
          )
          .bind(...chunk.flatMap((r) => [r.id, r.conversationId, r.senderId, r.body, r.seq, r.createdAt, r.kind ?? null]), g.conversationId),
      );
    }
    const last = g.rows.reduce((max, r) => Math.max(max, r.createdAt), 0);
    if (last > 0) {
      statements.push(
        d1
          .prepare("UPDATE conversations SET last_message_at = max(coalesce(last_message_at, 0), ?) WHERE id = ?")
          .bind(last, g.conversationId),
      );
    }
  }
  for (const chunk of chunks(groups.flatMap((g) => g.flags), FLAG_ROWS)) {
    statements.push(
      d1
        .prepare(`INSERT INTO message_flags (message_id, conversation_id, reason, created_at) VALUES ${values(chunk.length, 4)} ON CONFLICT DO NOTHING`)
        .bind(...chunk.flatMap((f) => [f.messageId, f.conversationId, f.reason, f.createdAt])),
    );
  }
  const ids = [...new Set(groups.map((g) => g.conversationId))];
  const checks = chunks(ids, IDS).map((chunk) =>
    d1.prepare(`SELECT id FROM conversations WHERE id IN (${chunk.map(() => "?").join(", ")})`).bind(...chunk),
  );
  const results = await d1.batch([...statements, ...checks]);
  const found = new Set(results.slice(statements.length).flatMap((r) => (r.results as { id: string }[]).map((row) => row.id)));
  const rowsWritten = results.reduce((n, r) => n + (r.meta?.rows_written ?? 0), 0);
  return { missing: new Set(ids.filter((id) => !found.has(id))), rowsWritten };
}
