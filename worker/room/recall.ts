import { deleteImages } from "../media/store";
import { deleteMessage, recallMessage, reportHolds } from "../db/message-edits";
import { historyDbFor } from "../history/shards";
import { LIMITS, type ErrorCode } from "../protocol";
import { pictureOf } from "../message-view";
import type { RoomParts } from "./parts";

// Recall: the sender withdraws their own message within LIMITS.recallWindowMs. The content goes
// from the room, D1 and R2 at once; a report that already kept it (its snapshot) keeps its copy.

export type RecallRefusal = { code: ErrorCode; message: string };

export async function recall(room: RoomParts, userId: string, id: string, now = Date.now()): Promise<RecallRefusal | null> {
  const m = room.store.findById(id);
  // not_yours, not not_found: a client treats not_found on its room socket as the room being gone.
  if (!m) return { code: "not_yours", message: "No message of yours with this id in this conversation" };
  if (m.sender !== userId) return { code: "not_yours", message: "Only the sender can recall a message" };
  if (m.kind !== "recalled" && now - m.at > LIMITS.recallWindowMs) {
    return { code: "recall_too_late", message: `A message can be recalled within ${LIMITS.recallWindowMs / 60_000} minutes of sending` };
  }
  // Already recalled: the recaller hears it again (their retry is answered), the partner nothing.
  if (m.kind === "recalled") {
    room.sendTo(userId, { type: "recalled", id: m.id, seq: m.seq, from: "me" });
    return null;
  }
  const wasSeen = m.kind !== "image_pending";
  // A picture still under check was never shown: it goes without a trace for the partner.
  if (wasSeen) room.store.rewrite(m.id, "recalled", "");
  else room.store.deleteById(m.id);
  const image = pictureOf(m);
  await room.withD1(async () => {
    // A row not copied yet changes nothing here; the copy then carries the recalled state.
    // A text's words stay apart for a report within RECALL_EVIDENCE_MS (db/recalled.ts).
    const kept = m.kind === "text" ? m.body : null;
    const history = historyDbFor(room.env, room.conversationId);
    const key = { conversationId: room.conversationId, seq: m.seq };
    if (wasSeen) await recallMessage(room.env.DB, history, { ...key, id: m.id, senderId: m.sender, body: kept }, now);
    else await deleteMessage(history, key);
    if (image && !(await reportHolds(room.env.DB, room.conversationId, m.id))) await deleteImages(room.env, [image.id]);
  });
  room.sendTo(userId, { type: "recalled", id: m.id, seq: m.seq, from: "me" });
  // A picture still under check was never shown: the partner hears nothing of it.
  if (wasSeen) room.sendTo(room.partnerOf(userId), { type: "recalled", id: m.id, seq: m.seq, from: "partner" });
  return null;
}
