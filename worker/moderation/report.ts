import { findOwnConversation, pageMessages, partnerOf } from "../db/conversations";
import { insertReportAndBlock } from "../db/reports";
import type { MessageRow } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../errors";
import { LIMITS, type ReportSnapshotMessage } from "../protocol";

/** Messages a report keeps for review. */
export const REPORT_SNAPSHOT_SIZE = 20;

export type SnapshotSource = Pick<MessageRow, "id" | "seq" | "senderId" | "body" | "createdAt">;

export interface ReportInput {
  reporterId: string;
  conversationId: string;
  reason: string;
  /**
   * The room's own freshest messages of this conversation (any order, any number; the last 20 by
   * seq are kept). Without them the snapshot comes from D1, which may lag the room by a copy.
   */
  recent?: readonly SnapshotSource[];
}

/** The reason as stored: trimmed, 1..LIMITS.reasonMax characters. */
export function checkReason(reason: unknown): string {
  const text = typeof reason === "string" ? reason.trim() : "";
  if (text === "") throw new AppError("bad_request", "Invalid reason: say briefly what happened", 400);
  if ([...text].length > LIMITS.reasonMax) {
    throw new AppError("bad_request", `Invalid reason: ${LIMITS.reasonMax} characters at most`, 400);
  }
  return text;
}

/**
 * Files a report about the reporter's partner in `conversationId`, with a snapshot of the last
 * 20 messages, and blocks the pair so the lobby never matches them again. Throws 404
 * `not_found` unless the reporter is a participant, 400 `bad_request` for an empty or long reason.
 */
export async function createReport(env: Env, input: ReportInput): Promise<{ reportId: number; reportedId: string }> {
  const reason = checkReason(input.reason);
  const conversation = await findOwnConversation(env.DB, input.conversationId, input.reporterId);
  if (!conversation) throw new AppError("not_found", "No such conversation", 404);
  const reportedId = partnerOf(conversation, input.reporterId);

  const source = input.recent
    ? [...input.recent].sort((a, b) => a.seq - b.seq).slice(-REPORT_SNAPSHOT_SIZE)
    : await pageMessages(env.DB, conversation.id, undefined, REPORT_SNAPSHOT_SIZE);
  const snapshot: ReportSnapshotMessage[] = source.map((m) => ({
    id: m.id,
    seq: m.seq,
    from: m.senderId === input.reporterId ? "reporter" : "reported",
    text: m.body,
    at: m.createdAt,
  }));

  const reportId = await insertReportAndBlock(env.DB, {
    reporterId: input.reporterId,
    reportedId,
    conversationId: conversation.id,
    reason,
    snapshot: JSON.stringify(snapshot),
    createdAt: Date.now(),
  });
  return { reportId, reportedId };
}
