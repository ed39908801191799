// 保持联系: the pairs who both chose to keep their chat (two rows a pair, one per person), the
// list each person sees, and ending. Bound parameters only.
import { LIMITS } from "../protocol";

export type KeepOutcome = { kept: true } | { kept: false; full: string[] };

/**
 * Keeps the chat for both people in one statement, so the limit check and the insert are one
 * step: both rows or neither. A pair already kept stays kept.
 */
export async function keepPair(d1: D1Database, conversationId: string, users: readonly [string, string], now: number): Promise<KeepOutcome> {
  const [a, b] = users;
  const count = (user: string) => `(SELECT count(*) FROM kept_chats WHERE user_id = ${user} AND conversation_id != ?1)`;
  const insert = d1
    .prepare(
      `INSERT OR IGNORE INTO kept_chats (conversation_id, user_id, kept_at, read_seq)
       SELECT column1, column2, column3, 0 FROM (VALUES (?1, ?2, ?4), (?1, ?3, ?4))
       WHERE ${count("?2")} < ?5 AND ${count("?3")} < ?5`,
    )
    .bind(conversationId, a, b, now, LIMITS.keptChatsMax);
  const counts = d1
    .prepare(
      `SELECT user_id, count(*) AS n, max(conversation_id = ?) AS here FROM kept_chats WHERE user_id IN (?, ?) GROUP BY user_id`,
    )
    .bind(conversationId, a, b);
  const [, after] = await d1.batch<{ user_id: string; n: number; here: number }>([insert, counts]);
  const rows = after.results;
  if (rows.length === 2 && rows.every((r) => r.here === 1)) return { kept: true };
  return { kept: false, full: rows.filter((r) => r.here !== 1 && r.n >= LIMITS.keptChatsMax).map((r) => r.user_id) };
}

export interface KeptChatRow {
  conversationId: string;
  partnerId: string;
  keptAt: number;
  lastMessageAt: number | null;
  unread: number;
}

/** The person's kept chats, newest activity first, with how many partner messages they have not seen. */
export async function listKeptChats(d1: D1Database, userId: string): Promise<KeptChatRow[]> {
  const { results } = await d1
    .prepare(
      `SELECT k.conversation_id AS conversationId,
         CASE WHEN c.user_a = ?1 THEN c.user_b ELSE c.user_a END AS partnerId,
         k.kept_at AS keptAt, c.last_message_at AS lastMessageAt,
         (SELECT count(*) FROM messages m WHERE m.conversation_id = k.conversation_id AND m.sender_id != ?1
            AND m.seq > max(k.read_seq, CASE WHEN c.user_a = ?1 THEN c.hidden_seq_a ELSE c.hidden_seq_b END)
            AND (m.kind IS NULL OR m.kind = 'image')) AS unread
       FROM kept_chats k JOIN conversations c ON c.id = k.conversation_id
       WHERE k.user_id = ?1
       ORDER BY coalesce(c.last_message_at, k.kept_at) DESC
       LIMIT ?2`,
    )
    .bind(userId, LIMITS.keptChatsMax)
    .all<KeptChatRow>();
  return results;
}

/** How many chats this person keeps. */
export async function keptCount(d1: D1Database, userId: string): Promise<number> {
  const row = await d1.prepare("SELECT count(*) AS n FROM kept_chats WHERE user_id = ?").bind(userId).first<{ n: number }>();
  return row?.n ?? 0;
}

/** True when this person keeps this chat. */
export async function isKept(d1: D1Database, conversationId: string, userId: string): Promise<boolean> {
  const row = await d1.prepare("SELECT 1 AS one FROM kept_chats WHERE conversation_id = ? AND user_id = ?").bind(conversationId, userId).first();
  return row !== null;
}

/**
 * Ends a kept chat for both (the caller must be one of its two people and keep it): the list
 * entries go and the room refuses to reopen until the lobby pairs them again. False if not kept.
 */
export async function endKeptChat(d1: D1Database, conversationId: string, userId: string, now: number): Promise<boolean> {
  const [ended] = await d1.batch([
    d1
      .prepare(
        `UPDATE conversations SET ended_at = ? WHERE id = ?
           AND EXISTS (SELECT 1 FROM kept_chats WHERE conversation_id = ? AND user_id = ?)`,
      )
      .bind(now, conversationId, conversationId, userId),
    d1
      .prepare(
        `DELETE FROM kept_chats WHERE conversation_id = ?
           AND EXISTS (SELECT 1 FROM kept_chats WHERE conversation_id = ? AND user_id = ?)`,
      )
      .bind(conversationId, conversationId, userId),
  ]);
  return (ended.meta.changes ?? 0) > 0;
}

/** A block ends the pair's kept chat too (unrun, for the block's own batch). */
export function endKeptPairStatements(d1: D1Database, u1: string, u2: string, now: number): D1PreparedStatement[] {
  const [a, b] = u1 < u2 ? [u1, u2] : [u2, u1];
  const pair = "SELECT id FROM conversations WHERE user_a = ? AND user_b = ?";
  return [
    d1
      .prepare(`UPDATE conversations SET ended_at = ? WHERE id IN (${pair}) AND EXISTS (SELECT 1 FROM kept_chats WHERE conversation_id = conversations.id)`)
      .bind(now, a, b),
    d1.prepare(`DELETE FROM kept_chats WHERE conversation_id IN (${pair})`).bind(a, b),
  ];
}

/** Every kept chat of a person ends (ban, erasure): their partners' list entries go too. Returns the rooms. */
export async function endKeptChatsOf(d1: D1Database, userId: string, now: number): Promise<string[]> {
  const { results } = await d1.prepare("SELECT conversation_id AS id FROM kept_chats WHERE user_id = ?").bind(userId).all<{ id: string }>();
  if (results.length === 0) return [];
  await d1.batch([
    d1
      .prepare("UPDATE conversations SET ended_at = ? WHERE id IN (SELECT conversation_id FROM kept_chats WHERE user_id = ?)")
      .bind(now, userId),
    d1.prepare("DELETE FROM kept_chats WHERE conversation_id IN (SELECT conversation_id FROM kept_chats WHERE user_id = ?)").bind(userId),
  ]);
  return results.map((r) => r.id);
}

/** The person has seen the room up to `seq` (never moves down). */
export async function markRead(d1: D1Database, conversationId: string, userId: string, seq: number): Promise<void> {
  await d1
    .prepare("UPDATE kept_chats SET read_seq = max(read_seq, ?) WHERE conversation_id = ? AND user_id = ?")
    .bind(seq, conversationId, userId)
    .run();
}
