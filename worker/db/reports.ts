import { desc, lt } from "drizzle-orm";
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

/** Stores the report and blocks the pair (reporter → reported) together. */
export async function insertReportAndBlock(d1: D1Database, report: NewReport): Promise<number> {
  const orm = db(d1);
  const [inserted] = await orm.batch([
    orm.insert(reports).values(report).returning({ id: reports.id }),
    blockStatement(d1, report.reporterId, report.reportedId, report.createdAt),
  ]);
  return inserted[0].id;
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
