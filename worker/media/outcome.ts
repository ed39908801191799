import { findImage, overdueImageIds, settleImageRow, type ImageStatus, type Settled } from "../db/images";
import type { ImageRow } from "../db/schema";
import { numberVar, type Env } from "../env";
import { signMediaUrl } from "./signed-url";
import { deleteImageObjects } from "./store";

// A picture's verdict, and the two calls the room makes about pictures:
//   imageForRoom(env, imageId, roomId, senderId)  → may it be shown in this room yet?
//   imageViewUrl(env, origin, imageId)            → a short-lived signed link for the partner
// Settling returns the outcome; media never calls a room. Whoever settled (the push route, the
// cron, the room's own alarm) tells the room (room/client.ts tellRoomOfImage), so it can deliver
// or tell the sender.

export interface ImageOutcome {
  imageId: string;
  /** The room (conversation) the picture was sent to. */
  conversationId: string;
  senderId: string;
  /** "passed": deliver it; "rejected": the check found it risky; "expired": no usable answer in time. */
  status: Settled;
}

/** The one settle: records the verdict if the picture is still pending; a failed one leaves R2 at once. */
async function settle(env: Env, where: { id: string } | { traceId: string }, status: Settled, now: number): Promise<ImageRow | undefined> {
  const row = await settleImageRow(env.DB, where, status, now);
  if (row && status !== "passed") await deleteImageObjects(env, [row.id]);
  return row;
}

/**
 * Records a verdict for a pending picture (by id or by WeChat's trace_id), once. A failed picture
 * is removed from R2 at once; the row stays as the record that there was one. Returns the outcome
 * for the caller to tell the room, or null when the picture is unknown or already settled (a
 * replayed push changes nothing).
 */
export async function settleImage(
  env: Env,
  where: { id: string } | { traceId: string },
  status: Settled,
  now = Date.now(),
): Promise<ImageOutcome | null> {
  const row = await settle(env, where, status, now);
  return row ? { imageId: row.id, conversationId: row.conversationId, senderId: row.senderId, status } : null;
}

/**
 * Expires picture `imageId` if it is still pending (a room's alarm at the check deadline) and
 * returns the verdict it now has; a picture no longer known counts as expired.
 */
export async function expireImage(env: Env, imageId: string, now = Date.now()): Promise<Settled> {
  const row = (await settle(env, { id: imageId }, "expired", now)) ?? (await findImage(env.DB, imageId));
  return !row || row.status === "pending" ? "expired" : row.status;
}

/** Settles as "expired" every pending picture whose check deadline has passed (cron); returns the outcomes to tell. */
export async function expireOverdueImages(env: Env, now = Date.now(), limit = 500): Promise<ImageOutcome[]> {
  const outcomes: ImageOutcome[] = [];
  for (const id of await overdueImageIds(env.DB, now, limit)) {
    const outcome = await settleImage(env, { id }, "expired", now);
    if (outcome) outcomes.push(outcome);
  }
  return outcomes;
}

export interface RoomImage {
  id: string;
  status: ImageStatus;
  contentType: string;
  width: number;
  height: number;
  /** When a pending picture's check gives up (the room's alarm expires it then). */
  checkDeadline: number;
}

/**
 * The room's question: may picture `imageId`, sent by `senderId` in room `conversationId`, be
 * shown? Null when it is not that sender's picture in that room (a client cannot borrow another
 * room's picture). A pending picture past its deadline is expired here and then (the asking
 * room is not called back: it refuses the picture itself).
 */
export async function imageForRoom(
  env: Env,
  imageId: string,
  conversationId: string,
  senderId: string,
  now = Date.now(),
): Promise<RoomImage | null> {
  let row: ImageRow | undefined = await findImage(env.DB, imageId);
  if (!row || row.conversationId !== conversationId || row.senderId !== senderId) return null;
  if (row.status === "pending" && row.checkDeadline < now) {
    row = (await settle(env, { id: row.id }, "expired", now)) ?? (await findImage(env.DB, imageId));
    if (!row) return null;
  }
  const { id, status, contentType, width, height, checkDeadline } = row;
  return { id, status, contentType, width, height, checkDeadline };
}

export function viewTtlMs(env: Env): number {
  return numberVar(env.MEDIA_URL_TTL_SECONDS, 600) * 1000;
}

/** A signed link to a passed picture for the people in its room; null if it has not passed. */
export async function imageViewUrl(env: Env, origin: string, imageId: string, now = Date.now()): Promise<string | null> {
  const row = await findImage(env.DB, imageId);
  if (row?.status !== "passed") return null;
  return signMediaUrl(env, origin, imageId, "view", now + viewTtlMs(env));
}
