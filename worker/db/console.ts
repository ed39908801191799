// The admin console's reads and its one write (marking a report handled). Listings are newest
// first with id cursors; counts the live figures need are single indexed queries.
import { and, count, desc, eq, gt, gte, isNotNull, isNull, like, lt, or, sql } from "drizzle-orm";
import type { HistoryDbs } from "../history/shards";
import { db } from "./client";
import { afterReport, reportOrder, severitySql, type ReportCursor } from "./report-order";
import { adminAudit, aiVerdicts, conversations, messageMinutes, reports } from "./schema";
import type { AiCategory, ReportHandling } from "../protocol";

// Spelled out: inside a select drizzle writes a column without its table, which the subquery's
// own alias would capture.
const reportsAgainst = sql<number>`(SELECT count(*) FROM "reports" AS "r2" WHERE "r2"."reported_id" = "reports"."reported_id")`.as(
  "reports_against",
);

function selectQueue(d1: D1Database) {
  return db(d1)
    .select({
      id: reports.id,
      reporterId: reports.reporterId,
      reportedId: reports.reportedId,
      conversationId: reports.conversationId,
      reason: reports.reason,
      category: reports.category,
      snapshot: reports.snapshot,
      createdAt: reports.createdAt,
      handledAt: reports.handledAt,
      handledAction: reports.handledAction,
      handledNote: reports.handledNote,
      reportsAgainst,
      severity: severitySql,
      verdict: {
        status: aiVerdicts.status,
        hazards: aiVerdicts.hazards,
        categories: aiVerdicts.categories,
        model: aiVerdicts.model,
        at: aiVerdicts.at,
      },
    })
    .from(reports)
    .leftJoin(aiVerdicts, eq(aiVerdicts.reportId, reports.id));
}

export type QueueRow = Awaited<ReturnType<typeof pageReportQueue>>[number];

/**
 * Open (or handled) reports in the queue's order (db/report-order.ts: severity, then newest first),
 * optionally only those whose verdict has `category`; `cursor` is the previous page's last row.
 */
export async function pageReportQueue(d1: D1Database, status: "open" | "handled", limit: number, cursor?: ReportCursor, category?: AiCategory) {
  return selectQueue(d1)
    .where(
      and(
        status === "open" ? isNull(reports.handledAt) : isNotNull(reports.handledAt),
        afterReport(cursor),
        category === undefined ? undefined : like(aiVerdicts.categories, `%,${category},%`),
      ),
    )
    .orderBy(...reportOrder)
    .limit(limit)
    .all();
}

/** Reports against one user, newest first. */
export async function reportsAgainstUser(d1: D1Database, userId: string, limit: number) {
  return selectQueue(d1).where(eq(reports.reportedId, userId)).orderBy(desc(reports.id)).limit(limit).all();
}

/** Marks an open report handled; false when there is no such open report (already handled or gone). */
export async function markReportHandled(
  d1: D1Database,
  id: number,
  action: ReportHandling,
  note: string | null,
  now: number,
): Promise<boolean> {
  const rows = await db(d1)
    .update(reports)
    .set({ handledAt: now, handledAction: action, handledNote: note })
    .where(and(eq(reports.id, id), isNull(reports.handledAt)))
    .returning({ id: reports.id });
  return rows.length === 1;
}

/** A user's conversations, most recently active first. */
export async function conversationsOf(d1: D1Database, userId: string, limit: number) {
  return db(d1)
    .select()
    .from(conversations)
    .where(or(eq(conversations.userA, userId), eq(conversations.userB, userId)))
    .orderBy(desc(sql`coalesce(${conversations.lastMessageAt}, ${conversations.createdAt})`))
    .limit(limit)
    .all();
}

/** The audit log, newest first; `cursor` is the last id of the previous page. */
export async function pageAudit(d1: D1Database, limit: number, cursor?: number) {
  return db(d1)
    .select()
    .from(adminAudit)
    .where(cursor === undefined ? undefined : lt(adminAudit.id, cursor))
    .orderBy(desc(adminAudit.id))
    .limit(limit)
    .all();
}

/** The D1 half of the live figures, one round trip per database. */
export async function liveCounts(dbs: HistoryDbs, now: number) {
  const orm = db(dbs.main);
  const [[rooms, open], minutes] = await Promise.all([
    orm.batch([
      // A scan of conversations (small rows): neither it nor messages keeps an index on time, since
      // each would be rewritten by every copy.
      orm.select({ n: count() }).from(conversations).where(gt(conversations.lastMessageAt, now - 5 * 60_000)),
      orm.select({ n: count() }).from(reports).where(isNull(reports.handledAt)),
    ]),
    // Per-minute counts (the copy adds them once per batch): this minute and the one before, in every history database.
    Promise.all(
      dbs.all.map((d1) =>
        db(d1)
          .select({ n: sql<number>`coalesce(sum(${messageMinutes.messages}), 0)` })
          .from(messageMinutes)
          .where(gte(messageMinutes.minute, Math.floor((now - 60_000) / 60_000))),
      ),
    ),
  ]);
  const recent = minutes.reduce((n, rows) => n + Number(rows[0]?.n ?? 0), 0);
  return { activeRooms: rooms[0]?.n ?? 0, messagesLastMinute: recent, reportsOpen: open[0]?.n ?? 0 };
}
