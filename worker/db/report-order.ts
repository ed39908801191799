// The one order of the report queue (the admin API and the console): severity first
// (moderation/severity.ts: child safety, violence/self-harm, sexual, fraud, the rest), then newest
// first. Severity is the better of the reporter's side (the `minor` category, `minorFirst`)
// and the model's verdict in ai_verdicts; a report without a verdict ranks by the reporter alone.
import { and, asc, desc, eq, gt, lt, or, sql } from "drizzle-orm";
import { SEVERITY, reportSeverity } from "../moderation/severity";
import { reports } from "./schema";

/** 1 for a report whose reporter chose the `minor` category (疑似未成年; never judged by the free text), else 0. */
export const minorFirst = sql<number>`(${reports.category} = 'minor')`;

// Spelled out: inside a select drizzle writes a column without its table, which the subquery would capture.
const verdictSeverity = sql<number>`coalesce((SELECT "v"."severity" FROM "ai_verdicts" AS "v" WHERE "v"."report_id" = "reports"."id"), ${SEVERITY.rest})`;

/** SQL twin of reportSeverity(): min(reporter's rank, verdict's rank). */
export const severitySql = sql<number>`min(CASE WHEN ${minorFirst} THEN ${SEVERITY.childSafety} ELSE ${SEVERITY.rest} END, ${verdictSeverity})`;

export const reportOrder = [asc(severitySql), desc(reports.id)] as const;

export interface ReportCursor {
  severity: number;
  id: number;
}

/** Rows after `cursor` (the previous page's last row) in reportOrder. */
export function afterReport(cursor: ReportCursor | undefined) {
  if (cursor === undefined) return undefined;
  return or(gt(severitySql, cursor.severity), and(eq(severitySql, cursor.severity), lt(reports.id, cursor.id)));
}

/** The cursor text for a row: "<severity>.<id>". */
export function reportCursorText(row: { id: number; severity: number }): string {
  return `${row.severity}.${row.id}`;
}

export { reportSeverity };
