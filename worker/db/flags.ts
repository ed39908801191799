import { and, desc, eq, inArray, lt, or, type SQL } from "drizzle-orm";
import { db } from "./client";
import type { AiVerdict } from "../protocol";
import { toAiVerdict } from "./ai-verdicts";
import { aiVerdicts, messageFlags, messages, type MessageFlagRow } from "./schema";

export type NewFlag = Pick<MessageFlagRow, "messageId" | "conversationId" | "reason" | "createdAt">;

/** Marks messages that were delivered under review. Idempotent on message id. */
export async function flagMessages(d1: D1Database, flags: readonly NewFlag[]): Promise<void> {
  if (flags.length === 0) return;
  const orm = db(d1);
  // Four columns a row: 20 rows stay under D1's 100 bound parameters per statement.
  const statements = [];
  for (let i = 0; i < flags.length; i += 20) {
    statements.push(orm.insert(messageFlags).values(flags.slice(i, i + 20)).onConflictDoNothing());
  }
  const [first, ...rest] = statements;
  await orm.batch([first, ...rest]);
}

export interface FlaggedMessage {
  messageId: string;
  conversationId: string;
  senderId: string;
  text: string;
  reason: MessageFlagRow["reason"];
  at: number;
  /** The safety model's verdict on it (null: no model, or not classified yet). */
  verdict: AiVerdict | null;
}

export interface FlagCursor {
  at: number;
  messageId: string;
}

/**
 * Flagged messages whose copy has reached D1, newest flag first; `cursor` is the last row of the
 * previous page (ties on time are broken by message id, so no row is skipped or repeated).
 */
export async function listFlagged(histories: readonly D1Database[], limit: number, cursor: FlagCursor | undefined): Promise<FlaggedMessage[]> {
  const after =
    cursor === undefined
      ? undefined
      : or(
          lt(messageFlags.createdAt, cursor.at),
          and(eq(messageFlags.createdAt, cursor.at), lt(messageFlags.messageId, cursor.messageId)),
        );
  return selectFlagged(histories, after, limit);
}

/** Flagged messages this user sent, newest flag first. */
export function flaggedFrom(histories: readonly D1Database[], userId: string, limit: number): Promise<FlaggedMessage[]> {
  return selectFlagged(histories, eq(messages.senderId, userId), limit);
}

/**
 * Flags live beside their messages (history/shards.ts): each database's newest `limit`, merged.
 * Verdicts live in the main database (the first of `histories`), read for the page's ids.
 */
async function selectFlagged(histories: readonly D1Database[], where: SQL | undefined, limit: number): Promise<FlaggedMessage[]> {
  const pages = await Promise.all(histories.map((d1) => selectFlaggedIn(d1, where, limit)));
  const page = pages
    .flat()
    .sort((x, y) => y.at - x.at || (x.messageId < y.messageId ? 1 : x.messageId > y.messageId ? -1 : 0))
    .slice(0, limit);
  const verdicts = await verdictsOfMessages(histories[0], page.map((f) => f.messageId));
  return page.map((f) => ({ ...f, verdict: verdicts.get(f.messageId) ?? null }));
}

function selectFlaggedIn(d1: D1Database, where: SQL | undefined, limit: number) {
  return db(d1)
    .select({
      messageId: messageFlags.messageId,
      conversationId: messageFlags.conversationId,
      senderId: messages.senderId,
      text: messages.body,
      reason: messageFlags.reason,
      at: messageFlags.createdAt,
    })
    .from(messageFlags)
    // Through the message key: the flag knows its conversation, and messages have no index on id.
    .innerJoin(messages, and(eq(messages.conversationId, messageFlags.conversationId), eq(messages.id, messageFlags.messageId)))
    .where(where)
    .orderBy(desc(messageFlags.createdAt), desc(messageFlags.messageId))
    .limit(limit)
    .all();
}

async function verdictsOfMessages(main: D1Database, ids: string[]) {
  if (ids.length === 0) return new Map<string, AiVerdict | null>();
  const rows = await db(main)
    .select({ messageId: aiVerdicts.messageId, status: aiVerdicts.status, hazards: aiVerdicts.hazards, categories: aiVerdicts.categories, model: aiVerdicts.model, at: aiVerdicts.at })
    .from(aiVerdicts)
    .where(inArray(aiVerdicts.messageId, ids))
    .all();
  return new Map(rows.map(({ messageId, ...v }) => [messageId as string, toAiVerdict(v)]));
}
