import { historyDbFor } from "../history/shards";
import { logError } from "../log";
import { markImageSent } from "../db/images";
import { deleteMessage, rewriteMessage } from "../db/message-edits";
import { ORPHAN_AFTER_MS } from "../media/orphans";
import { expireImage, imageForRoom, type ImageOutcome } from "../media/outcome";
import { partnerFrame, pictureBody, pictureOf } from "../message-view";
import { timeOrderedId } from "../lib/random-id";
import type { ErrorCode, RoomClientFrame, RoomServerFrame } from "../protocol";
import { socketError } from "../errors";
import { sendFrame } from "../socket";
import { dueAt, type Duty } from "./duty";
import type { RoomParts } from "./parts";
import { keepVerdict } from "./resume";
import type { RoomStore, StoredMessage } from "./store";
import { signedImage } from "./views";

// Pictures in the room. A picture message's body is {"id","width","height"} (the image id from
// POST /api/media). While WeChat's check runs it is "image_pending": acked to the sender (pending),
// invisible to the partner. The verdict arrives through Room.imageChecked (told by whoever settled
// it: the push route or the cron, room/client.ts), or the room's own alarm expires it at the check
// deadline (meta "image_due:<imageId>").

export type ImageFrame = Extract<RoomClientFrame, { type: "image" }>;

const DUE = "image_due:";

export function imageAck(m: StoredMessage): RoomServerFrame {
  const ack = { type: "ack" as const, clientId: m.clientId, id: m.id, seq: m.seq, at: m.at };
  return m.kind === "image_pending" ? { ...ack, pending: true } : ack;
}

/** Delivers a passed picture to the partner, or notes that they were away. */
async function deliver(room: RoomParts, m: StoredMessage): Promise<void> {
  const picture = pictureOf(m);
  if (!picture) return;
  const partner = room.partnerOf(m.sender);
  if (!room.sendTo(partner, partnerFrame(m, await signedImage(room, picture, Date.now())))) room.partnerWrote(partner);
}

/**
 * An image frame, in the room's send order: a picture uploaded for this room by this sender. QQ's
 * (synchronous) check already passed it; WeChat's may still be running.
 */
export async function acceptImage(room: RoomParts, ws: WebSocket, senderId: string, frame: ImageFrame): Promise<void> {
  const refuse = (code: ErrorCode, message: string) => sendFrame(ws, { ...socketError(code, message), clientId: frame.clientId });
  const repeat = room.store.findByClientId(senderId, frame.clientId);
  if (repeat) return void sendFrame(ws, imageAck(repeat));
  const image = await imageForRoom(room.env, frame.imageId, room.conversationId, senderId);
  // bad_message, not not_found: a client treats not_found on its room socket as the room being gone.
  if (!image) return void refuse("bad_message", "No such picture for this conversation: upload it with POST /api/media first");
  if (image.status === "rejected") return void refuse("content_rejected", "This picture cannot be sent");
  if (image.status === "expired") return void refuse("moderation_unavailable", "The picture's check did not finish; upload it again");
  if (room.store.findByImage(image.id)) return void refuse("bad_message", "This picture was already sent");
  const pending = image.status === "pending";
  // Raced with a retry of the same frame during the reads above.
  const raced = room.store.findByClientId(senderId, frame.clientId);
  if (raced) return void sendFrame(ws, imageAck(raced));
  if (room.store.ended()) return void refuse("conversation_ended", "This conversation has ended");

  const now = Date.now();
  // Taken into a message in time, once; a late upload is the orphan sweep's (media/orphans.ts).
  if (!(await markImageSent(room.env.DB, image.id, now))) {
    return void refuse("bad_message", `A picture must be sent within ${ORPHAN_AFTER_MS / 60_000} minutes of its upload: upload it again`);
  }
  const body = pictureBody(image);
  const stored = room.store.append({ id: timeOrderedId(now), sender: senderId, clientId: frame.clientId, body, at: now, flag: null, kind: pending ? "image_pending" : "image" });
  room.scheduleCopy(now);
  if (pending) {
    room.store.setMetaValue(DUE + image.id, String(image.checkDeadline));
    room.scheduleAlarm(image.checkDeadline);
  }
  sendFrame(ws, imageAck(stored));
  if (!pending) await deliver(room, stored);
}

/** A verdict for one of this room's pictures (once; a repeat or an unknown picture changes nothing). */
export async function applyImageOutcome(room: RoomParts, outcome: Pick<ImageOutcome, "imageId" | "status">): Promise<void> {
  room.store.deleteMetaValue(DUE + outcome.imageId);
  const m = room.store.findByImage(outcome.imageId);
  if (!m || m.kind !== "image_pending") return;
  const image = pictureOf(m);
  if (outcome.status === "passed" && image) {
    room.store.rewrite(m.id, "image", m.body);
    const passed = { ...m, kind: "image" as const };
    keepVerdict(room, m.id, { sender: m.sender, clientId: m.clientId, seq: m.seq, status: "passed" });
    room.sendTo(m.sender, { type: "image_status", id: m.id, clientId: m.clientId, status: "passed", image: await signedImage(room, image, Date.now()) });
    await deliver(room, passed);
    await room.withD1(() => rewriteMessage(historyDbFor(room.env, room.conversationId), { conversationId: room.conversationId, seq: m.seq }, "image", m.body));
    return;
  }
  room.store.deleteById(m.id);
  const status = outcome.status === "passed" ? "expired" : outcome.status;
  keepVerdict(room, m.id, { sender: m.sender, clientId: m.clientId, seq: m.seq, status });
  room.sendTo(m.sender, { type: "image_status", id: m.id, clientId: m.clientId, status });
  await room.withD1(() => deleteMessage(historyDbFor(room.env, room.conversationId), { conversationId: room.conversationId, seq: m.seq }));
}

/** The room's alarm: pictures whose check is past its deadline are expired here, not only by the daily cron. */
export async function expireDueImages(room: RoomParts, now: number): Promise<void> {
  for (const { key: imageId, value } of room.store.metaWithPrefix(DUE)) {
    if (Number(value) > now) continue;
    try {
      // The room settled it itself, so it is told here (media never calls a room).
      await applyImageOutcome(room, { imageId, status: await expireImage(room.env, imageId, now) });
    } catch (error) {
      // The key stays: the next alarm tries again (and the daily cron expires the row regardless).
      logError("room.image_expiry_failed", error);
    }
  }
}

function nextImageDue(store: RoomStore): number | null {
  const due = store.metaWithPrefix(DUE).map((e) => Number(e.value));
  return due.length ? Math.min(...due) : null;
}

/** Picture check deadlines as an alarm duty (exact): a pending picture expires on time. */
export function pictureDeadlines(room: RoomParts): Duty {
  return {
    // Before a first connect the room has no pair, so no pictures.
    run: async (now) => {
      if (room.store.meta()) await expireDueImages(room, now);
    },
    nextDue: () => dueAt(nextImageDue(room.store)),
  };
}
