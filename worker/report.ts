import { historyDbFor } from "./history/shards";
import { findOwnConversation, pageMessages, partnerOf } from "./db/conversations";
import { insertReportAndBlock } from "./db/reports";
import type { MessageRow } from "./db/schema";
import type { Env } from "./env";
import { AppError } from "./errors";
import { REPORT_DAILY_CAP, REPORT_WINDOW_MS } from "./limits/rules";
import { LIMITS, textLength, type ReportSnapshotMessage } from "./protocol";

/** Messages a report keeps for review. */
export const REPORT_SNAPSHOT_SIZE = 20;

export type SnapshotSource = Pick<MessageRow, "id" | "seq" | "senderId" | "body" | "createdAt">;

export interface ReportInput {
  reporterId: string;
  conversationId: string;
  reason: string;
  /** The message the reporter pointed at; marked `highlighted` when it is the partner's and in the snapshot. */
  messageId?: string;
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
  if (textLength(text) > LIMITS.reasonMax) {
    throw new AppError("bad_request", `Invalid reason: ${LIMITS.reasonMax} characters at most`, 400);
  }
  return text;
}

/**
 * Files a report about the reporter's partner in `conversationId`, with a snapshot of the last
 * 20 messages, and blocks the pair so the lobby never matches them again. Throws 404
 * `not_found` unless the reporter is a participant, 400 `bad_request` for an empty or long reason,
 * 409 `already_reported` when the reporter's earlier report on this conversation is still kept
 * (a repeat is refused, not merged: the first snapshot is the evidence), and 429
 * `too_many_attempts` past REPORT_DAILY_CAP reports in 24 hours. The REST route and the room's
 * report frame both come here, so the limits hold however a report arrives.
 */
export async function createReport(env: Env, input: ReportInput): Promise<{ reportId: number; reportedId: string }> {
  const reason = checkReason(input.reason);
  const conversation = await findOwnConversation(env.DB, input.conversationId, input.reporterId);
  if (!conversation) throw new AppError("not_found", "No such conversation", 404);
  const reportedId = partnerOf(conversation, input.reporterId);

  const source = input.recent
    ? [...input.recent].sort((a, b) => a.seq - b.seq).slice(-REPORT_SNAPSHOT_SIZE)
    : await pageMessages(historyDbFor(env, conversation.id), conversation.id, undefined, REPORT_SNAPSHOT_SIZE);
  const snapshot: ReportSnapshotMessage[] = source.map((m) => ({
    id: m.id,
    seq: m.seq,
    from: m.senderId === input.reporterId ? "reporter" : "reported",
    text: m.body,
    at: m.createdAt,
    ...(m.id === input.messageId && m.senderId === reportedId ? { highlighted: true as const } : {}),
  }));

  const now = Date.now();
  const result = await insertReportAndBlock(
    env.DB,
    {
      reporterId: input.reporterId,
      reportedId,
      conversationId: conversation.id,
      reason,
      snapshot: JSON.stringify(snapshot),
      createdAt: now,
    },
    { since: now - REPORT_WINDOW_MS, dailyCap: REPORT_DAILY_CAP },
  );
  if (!result.ok && result.reason === "already_reported") {
    throw new AppError("already_reported", "You have already reported this conversation; the admins have it", 409);
  }
  if (!result.ok) {
    throw new AppError("too_many_attempts", `At most ${REPORT_DAILY_CAP} reports a day; try again tomorrow`, 429);
  }
  return { reportId: result.reportId, reportedId };
}
