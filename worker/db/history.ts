// The D1 side of the history copy: many conversations' new messages in one batch (one write
// transaction per database), idempotent on (conversation, seq), and harmless for a conversation
// that no longer exists.
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
  /** SQLite's own count of rows written by the transactions, indexes included. */
  rowsWritten: number;
}

// Rows travel as one JSON parameter read back with json_each: a batch is a few statements however
// many rooms and messages it carries (D1 binds at most 100 parameters, which is 14 messages a statement
// spelled out). A statement's JSON is kept well under D1's 2 MB value limit.
const JSON_ROWS = 1000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Messages, flags and the per-minute counts: what the history database holds. `guarded`: only rows whose conversation is in this database. */
function historyStatements(d1: D1Database, groups: readonly ConversationCopy[], guarded: boolean): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  const rows = groups.flatMap((g) => g.rows.map((r) => [r.id, g.conversationId, r.senderId, r.body, r.seq, r.createdAt, r.kind ?? null]));
  for (const chunk of chunks(rows, JSON_ROWS)) {
    statements.push(
      d1
        .prepare(
          `INSERT INTO messages (id, conversation_id, sender_id, body, seq, created_at, kind)
           SELECT r.value ->> 0, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, r.value ->> 5, r.value ->> 6
           FROM json_each(?) AS r
           WHERE ${guarded ? "EXISTS (SELECT 1 FROM conversations WHERE id = r.value ->> 1)" : "true"}
           ON CONFLICT DO NOTHING`,
        )
        .bind(JSON.stringify(chunk)),
    );
  }
  for (const chunk of chunks(groups.flatMap((g) => g.flags.map((f) => [f.messageId, f.conversationId, f.reason, f.createdAt])), JSON_ROWS)) {
    statements.push(
      d1
        .prepare(
          `INSERT INTO message_flags (message_id, conversation_id, reason, created_at)
           SELECT f.value ->> 0, f.value ->> 1, f.value ->> 2, f.value ->> 3 FROM json_each(?) AS f WHERE true
           ON CONFLICT DO NOTHING`,
        )
        .bind(JSON.stringify(chunk)),
    );
  }
  // The console's messages-per-minute, one row per minute touched by the batch (a retried batch counts again: a live figure).
  const perMinute = new Map<number, number>();
  for (const g of groups) {
    for (const r of g.rows) {
      const minute = Math.floor(r.createdAt / 60_000);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    }
  }
  if (perMinute.size > 0) {
    statements.push(
      d1
        .prepare(
          `INSERT INTO message_minutes (minute, messages) SELECT m.value ->> 0, m.value ->> 1 FROM json_each(?) AS m WHERE true
           ON CONFLICT (minute) DO UPDATE SET messages = messages + excluded.messages`,
        )
        .bind(JSON.stringify([...perMinute])),
    );
  }
  return statements;
}

/**
 * Conversation bookkeeping once per conversation per batch: the newest time and seq, and the
 * oldest time only when it moves down (first messages), so the retention index is rarely rewritten.
 */
function bookkeepingStatements(main: D1Database, groups: readonly ConversationCopy[]): D1PreparedStatement[] {
  const span = groups.flatMap((g) => {
    if (g.rows.length === 0) return [];
    let first = Infinity;
    let last = 0;
    let seq = 0;
    for (const r of g.rows) {
      first = Math.min(first, r.createdAt);
      last = Math.max(last, r.createdAt);
      seq = Math.max(seq, r.seq);
    }
    return [[g.conversationId, first, last, seq]];
  });
  return chunks(span, JSON_ROWS).flatMap((chunk) => {
    const json = JSON.stringify(chunk);
    return [
      // SQLite plans these as one pass over the JSON, each row found through the primary key.
      main
        .prepare(
          `UPDATE conversations SET last_message_at = max(coalesce(last_message_at, 0), l.value ->> 2), last_seq = max(last_seq, l.value ->> 3)
           FROM json_each(?) AS l WHERE conversations.id = l.value ->> 0`,
        )
        .bind(json),
      main
        .prepare(
          `UPDATE conversations SET first_message_at = l.value ->> 1
           FROM json_each(?) AS l WHERE conversations.id = l.value ->> 0
             AND (first_message_at IS NULL OR first_message_at > l.value ->> 1)`,
        )
        .bind(json),
    ];
  });
}

const written = (results: D1Result[]) => results.reduce((n, r) => n + (r.meta?.rows_written ?? 0), 0);

/**
 * Writes every group: in one D1 batch when the history lives in `main` (rows whose conversation
 * is gone are filtered by the insert itself: an erased pair must not come back, and one missing
 * conversation must not fail the others). With the history in another database (HISTORY_SHARDS),
 * the conversations are looked up in `main` first, the history is written, then the bookkeeping;
 * a failure in between is retried by the room, and every step is idempotent. An erasure cannot
 * slip between the look-up and the write: it goes through the room, which waits for its copy.
 */
export async function copyHistory(main: D1Database, groups: readonly ConversationCopy[], history: D1Database = main): Promise<CopyOutcome> {
  const ids = [...new Set(groups.map((g) => g.conversationId))];
  const check = main.prepare("SELECT id FROM conversations WHERE id IN (SELECT value FROM json_each(?))").bind(JSON.stringify(ids));
  if (history === main) {
    const statements = [...historyStatements(main, groups, true), ...bookkeepingStatements(main, groups)];
    const results = await main.batch([...statements, check]);
    const found = new Set((results[statements.length]!.results as { id: string }[]).map((row) => row.id));
    return { missing: new Set(ids.filter((id) => !found.has(id))), rowsWritten: written(results) };
  }
  const found = new Set(((await check.all()).results as { id: string }[]).map((row) => row.id));
  const present = groups.filter((g) => found.has(g.conversationId));
  let rowsWritten = 0;
  if (present.length > 0) {
    rowsWritten += written(await history.batch(historyStatements(history, present, false)));
    rowsWritten += written(await main.batch(bookkeepingStatements(main, present)));
  }
  return { missing: new Set(ids.filter((id) => !found.has(id))), rowsWritten };
}
