import { allHistoryDbs, historyDbFor, historyDbs } from "../history/shards";
import { z } from "zod";
import {
  conversationsOf,
  liveCounts,
  markReportHandled,
  pageAudit,
  pageReportQueue,
  reportsAgainstUser,
  type QueueRow,
} from "../db/console";
import { audit } from "../db/admin";
import { findConversation, pageMessages, partnerOf } from "../db/conversations";
import { flaggedFrom } from "../db/flags";
import { toAiVerdict, usedToday } from "../db/ai-verdicts";
import { reportCursorText } from "../db/report-order";
import { LLAMA_GUARD_MODEL } from "../moderation/llama-guard";
import { aiBudget, safetyModel } from "../moderation/triage";
import { findUser } from "../db/users";
import { eraseUser } from "../erase-user";
import { AppError } from "../errors";
import { adminView } from "../message-view";
import { placementFor, shardStub } from "../lobby/shards";
import {
  AI_CATEGORIES,
  LIMITS,
  type AdminAuditResponse,
  type AdminConversationResponse,
  type AdminLiveResponse,
  type AdminQueueReport,
  type AdminQueueResponse,
  type AdminUserDetail,
  type DeletedResponse,
} from "../protocol";
import { newApp } from "./app";
import { reportView } from "./admin-report";
import { idCursor, pageQuery, reportCursor, validate } from "./validate";

// What the admin console (/admin) needs beyond the plain admin API. Mounted by the admin app
// (admin-app.ts) at /api/admin/console, behind its requireAdmin.

function toQueueReport(r: QueueRow): AdminQueueReport {
  return {
    ...reportView(r),
    reportsAgainst: Number(r.reportsAgainst),
    severity: Number(r.severity),
    verdict: toAiVerdict(r.verdict),
    handledAt: r.handledAt,
    handledAction: r.handledAction,
    handledNote: r.handledNote,
  };
}

const queueQuery = pageQuery.extend({
  status: z.enum(["open", "handled"]).default("open"),
  category: z.enum(AI_CATEGORIES).optional(),
});
const handleBody = z.object({
  action: z.enum(["ban", "dismiss", "delete_history"]),
  note: z.string().trim().max(LIMITS.reasonMax).optional(),
});
const conversationQuery = z.object({
  limit: z.coerce.number().int().min(1).max(LIMITS.pageMax).default(50),
  before: z.coerce.number().int().min(1).optional(),
});
/** Lists inside the user view: the most recent ones; older ones are in the queue and viewers. */
const USER_VIEW_ROWS = 50;

export const adminConsole = newApp()
  /** Sign-in check: a right token gets 200 (and an audit row); a wrong one the middleware's 401. */
  .post("/session", async (c) => {
    await audit(c.env.DB, "console_sign_in", null, null);
    return c.json({ ok: true });
  })
  .get("/reports", validate("query", queueQuery), async (c) => {
    const { limit, cursor, status, category } = c.req.valid("query");
    const now = Date.now();
    const [rows, used] = await Promise.all([pageReportQueue(c.env.DB, status, limit, reportCursor(cursor), category), usedToday(c.env.DB, now)]);
    await audit(c.env.DB, `list_reports_${status}`, category ?? null, rows.length);
    const last = rows[rows.length - 1];
    return c.json({
      reports: rows.map(toQueueReport),
      nextCursor: rows.length === limit ? reportCursorText({ id: last.id, severity: Number(last.severity) }) : null,
      triage: { model: safetyModel(c.env) ? LLAMA_GUARD_MODEL : null, budget: aiBudget(c.env), usedToday: used },
    } satisfies AdminQueueResponse);
  })
  .post("/reports/:id/handle", validate("json", handleBody), async (c) => {
    const id = idCursor(c.req.param("id")) as number;
    const { action, note } = c.req.valid("json");
    const done = await markReportHandled(c.env.DB, id, action, note || null, Date.now());
    if (!done) throw new AppError("not_found", "No such open report", 404);
    await audit(c.env.DB, `handle_report_${action}`, String(id), 1);
    return c.json({ id, action });
  })
  .get("/conversations/:id", validate("query", conversationQuery), async (c) => {
    const conversation = await findConversation(c.env.DB, c.req.param("id"));
    if (!conversation) throw new AppError("not_found", "No such conversation", 404);
    const { limit, before } = c.req.valid("query");
    const rows = await pageMessages(historyDbFor(c.env, conversation.id), conversation.id, before, limit);
    await audit(c.env.DB, "view_conversation", conversation.id, rows.length);
    return c.json({
      id: conversation.id,
      userA: conversation.userA,
      userB: conversation.userB,
      createdAt: conversation.createdAt,
      messages: rows.map(adminView),
      nextBefore: rows.length === limit ? rows[0].seq : null,
    } satisfies AdminConversationResponse);
  })
  .get("/users/:id", async (c) => {
    const user = await findUser(c.env.DB, c.req.param("id"));
    if (!user) throw new AppError("not_found", "No such user", 404);
    const [against, flagged, convs] = await Promise.all([
      reportsAgainstUser(c.env.DB, user.id, USER_VIEW_ROWS),
      flaggedFrom(allHistoryDbs(c.env), user.id, USER_VIEW_ROWS),
      conversationsOf(c.env.DB, user.id, USER_VIEW_ROWS),
    ]);
    await audit(c.env.DB, "view_user", user.id, null);
    return c.json({
      id: user.id,
      platform: user.platform,
      createdAt: user.createdAt,
      lastSeenAt: user.lastSeenAt,
      bannedAt: user.bannedAt,
      adultConfirmedAt: user.adultConfirmedAt,
      matchingSuspendedAt: user.matchingSuspendedAt,
      reportsAgainst: against.map(toQueueReport),
      flagged,
      conversations: convs.map((v) => ({
        id: v.id,
        partnerId: partnerOf(v, user.id),
        createdAt: v.createdAt,
        lastMessageAt: v.lastMessageAt,
      })),
    } satisfies AdminUserDetail);
  })
  /** Erases the user exactly as DELETE /api/me does. */
  .delete("/users/:id", async (c) => {
    const user = await findUser(c.env.DB, c.req.param("id"));
    if (!user) throw new AppError("not_found", "No such user", 404);
    const deleted = await eraseUser(c.env, user);
    await audit(c.env.DB, "erase_user", user.id, deleted);
    return c.json({ deleted } satisfies DeletedResponse);
  })
  .get("/audit", validate("query", pageQuery), async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await pageAudit(c.env.DB, limit, idCursor(cursor));
    return c.json({
      entries: rows,
      nextCursor: rows.length === limit ? String(rows[rows.length - 1].id) : null,
    } satisfies AdminAuditResponse);
  })
  /** Polled every few seconds by the console: not audited, reads no personal data. */
  .get("/live", async (c) => {
    const now = Date.now();
    // The pool and shard count every user's placement uses (any user id gives the same two).
    const { pool, shards } = placementFor(c.env, "");
    const [counts, ...waiting] = await Promise.all([
      liveCounts(historyDbs(c.env), now),
      ...Array.from({ length: shards }, (_, i) => shardStub(c.env, pool, i).waitingCount()),
    ]);
    return c.json({ ...counts, waiting: waiting.reduce((a, b) => a + b, 0), at: now } satisfies AdminLiveResponse);
  });
