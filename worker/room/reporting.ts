// A report from the room socket: the partner is reported with the room's freshest messages (D1 may
// lag), the latest and those around the pointed message however many came after it.
import { AppError } from "../errors";
import type { RoomClientFrame } from "../protocol";
import { createReport, REPORT_CONTEXT, REPORT_SNAPSHOT_SIZE } from "../report";
import type { RoomParts } from "./parts";
import { toD1Row } from "./store";

export type ReportFrame = Extract<RoomClientFrame, { type: "report" }>;

/** Files the report (it blocks the pair); `endedKept`: the block ended a kept chat. */
export async function reportPartner(room: RoomParts, reporterId: string, frame: ReportFrame): Promise<{ endedKept: boolean }> {
  const { store } = room;
  const meta = store.meta();
  if (!meta) throw new AppError("internal", "room has no participants", 500);
  const { category, reason, messageId } = frame;
  const pointed = messageId ? store.findById(messageId) : null;
  const around = pointed ? store.page(Math.max(0, pointed.seq - REPORT_CONTEXT - 1), 2 * REPORT_CONTEXT + 1).messages : [];
  const recent = [...store.latest(REPORT_SNAPSHOT_SIZE), ...around].map((m) => toD1Row(meta.conversationId, m));
  const { endedKept } = await createReport(room.env, {
    reporterId,
    conversationId: meta.conversationId,
    category,
    reason,
    messageId,
    recent,
    later: (work) => room.later(work),
  });
  return { endedKept };
}
