import { snapshotView } from "./message-view";
import { endKeptPairStatements } from "./db/kept-chats";
import { findOwnConversation, messagesAround, pageMessages, partnerOf } from "./db/conversations";
import { recalledTexts } from "./db/recalled";
import { historyDbFor } from "./history/shards";
import { insertReportAndBlock } from "./db/reports";
import type { MessageRow } from "./db/schema";
import type { Env } from "./env";
import { AppError } from "./errors";
import { logError } from "./log";
import { triageReport } from "./moderation/triage";
import { REPORT_DAILY_CAP, REPORT_WINDOW_MS } from "./limits/rules";
import { LIMITS, REPORT_LEGACY_LABELS, textLength, type ReportCategory, type ReportSnapshotMessage } from "./protocol";

/** The latest messages a report keeps for review. */
export const REPORT_SNAPSHOT_SIZE = 20;
/** Messages kept on each side of the one the reporter pointed at, however long ago it was. */
export const REPORT_CONTEXT = 5;

export type SnapshotSource = Pick<MessageRow, "id" | "seq" | "senderId" | "body" | "createdAt"> & Partial<Pick<MessageRow, "kind">>;

export interface ReportInput {
  reporterId: string;
  conversationId: string;
  /** Absent from older clients, which send a fixed label as `reason` instead (REPORT_LEGACY_LABELS). */
  category?: ReportCategory;
  reason?: string;
  /** The message the reporter pointed at: always in the snapshot (with its neighbours), marked `highlighted` when it is the partner's. */
  messageId?: string;
  /**
   * The room's own freshest messages of this conversation (the latest, and those around
   * `messageId`; any order). Without them the snapshot comes from D1, which may lag the room by a copy.
   */
  recent?: readonly SnapshotSource[];
  /** Runs the report's triage after the answer (ctx.waitUntil): never before the reporter is told. */
  later: (work: Promise<unknown>) => void;
}

/** The optional words as stored: trimmed, at most LIMITS.reasonMax characters ("" for none). */
export function checkReason(reason: unknown): string {
  const text = typeof reason === "string" ? reason.trim() : "";
  if (textLength(text) > LIMITS.reasonMax) {
    throw new AppError("bad_request", `Invalid reason: ${LIMITS.reasonMax} characters at most`, 400);
  }
  return text;
}

/** The category a report is filed under: the one picked, else an older client's exact label, else `other`. */
export function reportCategory(category: ReportCategory | undefined, reason: string): ReportCategory {
  if (category) return category;
  if (reason === "") throw new AppError("bad_request", "Invalid report: pick a category", 400);
  return REPORT_LEGACY_LABELS[reason] ?? "other";
}

/**
 * Files a report about the reporter's partner in `conversationId`, with a snapshot of the last
 * 20 messages plus the pointed message and its neighbours, and blocks the pair so the lobby never
 * matches them again. The partner may have erased themselves: the conversation is still the
 * reporter's, and the report and block follow the partner's identity (db/users.ts currentIdOf).
 * Throws 404 `not_found` unless the reporter is a participant, 400 `bad_request` without a
 * category (or legacy label) or with a long reason, 409 `already_reported` when the reporter's
 * earlier report on this conversation is still kept (the first snapshot is the evidence), and 429
 * `too_many_attempts` past REPORT_DAILY_CAP reports in 24 hours. The REST route and the room's
 * report frame both come here, so the limits hold however a report arrives.
 */
export async function createReport(env: Env, input: ReportInput): Promise<{ reportId: number; reportedId: string; endedKept: boolean }> {
  const reason = checkReason(input.reason);
  const category = reportCategory(input.category, reason);
  const conversation = await findOwnConversation(env.DB, input.conversationId, input.reporterId);
  if (!conversation) throw new AppError("not_found", "No such conversation", 404);
  const reportedId = partnerOf(conversation, input.reporterId);

  const now = Date.now();
  const snapshot = await buildSnapshot(env, conversation.id, input, reportedId, now);
  const result = await insertReportAndBlock(
    env.DB,
    {
      reporterId: input.reporterId,
      reportedId,
      conversationId: conversation.id,
      reason,
      category,
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
  input.later(triageReport(env, result.reportId).catch((error) => logError("report.triage_failed", error)));
  // The block ends a kept chat too (both list entries go); the caller closes the room's sockets.
  const [, removed] = await env.DB.batch(endKeptPairStatements(env.DB, input.reporterId, reportedId, now));
  return { reportId: result.reportId, reportedId, endedKept: (removed.meta.changes ?? 0) > 0 };
}

/** The latest messages, plus the pointed one and its neighbours; recalled texts from their moderation copy. */
async function buildSnapshot(env: Env, conversationId: string, input: ReportInput, reportedId: string, now: number): Promise<ReportSnapshotMessage[]> {
  const pool = new Map<string, SnapshotSource>();
  const given = input.recent ? [...new Map(input.recent.map((m) => [m.id, m])).values()].sort((a, b) => a.seq - b.seq) : null;
  const latest = given ? given.slice(-REPORT_SNAPSHOT_SIZE) : await pageMessages(historyDbFor(env, conversationId), conversationId, undefined, REPORT_SNAPSHOT_SIZE);
  for (const m of latest) pool.set(m.id, m);
  if (input.messageId) {
    const pointed = given?.find((m) => m.id === input.messageId);
    const around = pointed
      ? given!.filter((m) => Math.abs(m.seq - pointed.seq) <= REPORT_CONTEXT)
      : await messagesAround(historyDbFor(env, conversationId), conversationId, input.messageId, REPORT_CONTEXT);
    for (const m of around) pool.set(m.id, m);
  }
  const messages = [...pool.values()].sort((a, b) => a.seq - b.seq);
  const kept = await recalledTexts(env.DB, messages.filter((m) => m.kind === "recalled").map((m) => m.id), now);
  return messages.map((m) => snapshotView(m, { reporterId: input.reporterId, reportedId, pointedId: input.messageId }, kept.get(m.id)));
}
