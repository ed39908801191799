import { and, eq, gt, sql } from "drizzle-orm";
import { blockStatement } from "./blocks";
import { db } from "./client";
import { afterReport, reportOrder, severitySql, type ReportCursor } from "./report-order";
import { reports } from "./schema";
import { currentIdOf } from "./users";
import type { ReportCategory } from "../protocol";

export interface NewReport {
  reporterId: string;
  reportedId: string;
  conversationId: string;
  reason: string;
  category: ReportCategory;
  /** JSON of the snapshot messages. */
  snapshot: string;
  createdAt: number;
}

export interface ReportLimits {
  /** Reports counted against `dailyCap` are those created after this time. */
  since: number;
  dailyCap: number;
}

export type InsertReportResult =
  | { ok: true; reportId: number }
  | { ok: false; reason: "already_reported" | "daily_cap" };

/**
 * Stores the report unless the reporter already has one on this conversation or has filed
 * `dailyCap` since `limits.since`, and blocks the pair (reporter → reported) in the same batch.
 * Both conditions sit in the INSERT itself, so concurrent reports cannot slip past them.
 */
export async function insertReportAndBlock(d1: D1Database, report: NewReport, limits: ReportLimits): Promise<InsertReportResult> {
  const orm = db(d1);
  const mine = eq(reports.reporterId, report.reporterId);
  // Columns in schema order: id (assigned), reporter, reported, conversation, reason, category,
  // snapshot, created, then the console's handled_at, handled_action, handled_note (an open report
  // has none). The reported id is resolved in the statement: an erased partner who came back is
  // reported on their new account.
  const insert = orm
    .insert(reports)
    .select(
      sql`select null, ${report.reporterId}, ${currentIdOf(report.reportedId)}, ${report.conversationId}, ${report.reason}, ${report.category}, ${report.snapshot}, ${report.createdAt}, null, null, null
        where not exists (select 1 from ${reports} where ${and(mine, eq(reports.conversationId, report.conversationId))})
        and (select count(*) from ${reports} where ${and(mine, gt(reports.createdAt, limits.since))}) < ${limits.dailyCap}`,
    )
    .returning({ id: reports.id });
  const [inserted] = await orm.batch([insert, blockStatement(d1, report.reporterId, report.reportedId, report.createdAt)]);
  if (inserted.length > 0) return { ok: true, reportId: inserted[0].id };
  const existing = await orm
    .select({ id: reports.id })
    .from(reports)
    .where(and(mine, eq(reports.conversationId, report.conversationId)))
    .get();
  return { ok: false, reason: existing ? "already_reported" : "daily_cap" };
}

/** Reports in the queue's order (db/report-order.ts). `cursor`: the previous page's last row. */
export async function listReports(d1: D1Database, limit: number, cursor: ReportCursor | undefined) {
  return db(d1)
    .select({ report: reports, severity: severitySql })
    .from(reports)
    .where(afterReport(cursor))
    .orderBy(...reportOrder)
    .limit(limit)
    .all();
}
