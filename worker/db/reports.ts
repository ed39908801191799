import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { REPORT_REASON_MINOR } from "../protocol";
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

/** 1 for a "疑似未成年" report (the reason starts with it), else 0: admins see those first. */
const minorFirst = sql<number>`(substr(${reports.reason}, 1, ${REPORT_REASON_MINOR.length}) = ${REPORT_REASON_MINOR})`;

export interface ReportCursor {
  minor: boolean;
  id: number;
}

export function isMinorReport(reason: string): boolean {
  return reason.startsWith(REPORT_REASON_MINOR);
}

/** Suspected-minor reports first, then the rest; newest first within each. `cursor`: the previous page's last row. */
export async function listReports(d1: D1Database, limit: number, cursor: ReportCursor | undefined): Promise<ReportRow[]> {
  const after =
    cursor === undefined
      ? undefined
      : cursor.minor
        ? or(and(eq(minorFirst, 1), lt(reports.id, cursor.id)), eq(minorFirst, 0))
        : and(eq(minorFirst, 0), lt(reports.id, cursor.id));
  return db(d1).select().from(reports).where(after).orderBy(desc(minorFirst), desc(reports.id)).limit(limit).all();
}
