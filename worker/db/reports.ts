import { and, desc, eq, gt, lt, sql } from "drizzle-orm";
import { blockStatement } from "./blocks";
import { db } from "./client";
import { reports, type ReportRow } from "./schema";

export interface NewReport {
  reporterId: string;
  reportedId: string;
  conversationId: string;
  reason: string;
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
  // Columns in table order: id (assigned), reporter, reported, conversation, reason, snapshot, created.
  const insert = orm
    .insert(reports)
    .select(
      sql`select null, ${report.reporterId}, ${report.reportedId}, ${report.conversationId}, ${report.reason}, ${report.snapshot}, ${report.createdAt}
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

/** Newest first; `cursor` is the last id of the previous page. */
export async function listReports(d1: D1Database, limit: number, cursor: number | undefined): Promise<ReportRow[]> {
  return db(d1)
    .select()
    .from(reports)
    .where(cursor === undefined ? undefined : lt(reports.id, cursor))
    .orderBy(desc(reports.id))
    .limit(limit)
    .all();
}
