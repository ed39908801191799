import type { ReportRow } from "../db/schema";
import type { AdminReport, ReportSnapshotMessage } from "../protocol";

/** The fields of a stored report the admin API shows; the console's queue adds its own after them. */
export type ReportFields = Pick<ReportRow, "id" | "reporterId" | "reportedId" | "conversationId" | "category" | "reason" | "createdAt" | "snapshot">;

/** A report row as the admin API shows it (GET /api/admin/reports, and the console's queue and user view). */
export function reportView(r: ReportFields): AdminReport {
  return {
    id: r.id,
    reporterId: r.reporterId,
    reportedId: r.reportedId,
    conversationId: r.conversationId,
    category: r.category,
    reason: r.reason,
    createdAt: r.createdAt,
    messages: JSON.parse(r.snapshot) as ReportSnapshotMessage[],
  };
}
