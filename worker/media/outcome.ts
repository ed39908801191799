import { findImage, overdueImageIds, settleImageRow, type ImageStatus, type Settled } from "../db/images";
import type { ImageRow } from "../db/schema";
import { numberVar, type Env } from "../env";
import { describeError } from "../errors";
import { roomStub } from "../room/client";
import { Room } from "../room/room";
import { signMediaUrl } from "./signed-url";
import { deleteImageObjects } from "./store";

// A picture's verdict, and the two calls the room makes about pictures:
//   imageForRoom(env, imageId, roomId, senderId)  → may it be shown in this room yet?
//   imageViewUrl(env, origin, imageId)            → a short-lived signed link for the partner
// When a verdict arrives (WeChat's push, or the deadline passing), the room is told through its
// RPC method `imageChecked(outcome)` (ImageOutcomeReceiver), so it can deliver or tell the sender.

export interface ImageOutcome {
  imageId: string;
  /** The room (conversation) the picture was sent to. */
  conversationId: string;
  senderId: string;
  /** "passed": deliver it; "rejected": the check found it risky; "expired": no usable answer in time. */
  status: Settled;
}

/** What the room implements to hear of verdicts. Until it does, nobody is told (the room can ask). */
export interface ImageOutcomeReceiver {
  imageChecked(outcome: ImageOutcome): Promise<void>;
}

const roomListens = () => typeof (Room.prototype as Partial<ImageOutcomeReceiver>).imageChecked === "function";

async function tellRoom(env: Env, outcome: ImageOutcome): Promise<void> {
  if (!roomListens()) return;
  try {
    const stub = roomStub(env, outcome.conversationId) as unknown as ImageOutcomeReceiver;
    await stub.imageChecked(outcome);
  } catch (error) {
    // The room also asks imageForRoom when it needs to; a lost notice delays, never leaks.
    console.error("image outcome: room not told", describeError(error));
  }
}

/**
 * Records a verdict for a pending picture (by id or by WeChat's trace_id), once. A failed picture
 * is removed from R2 at once; the row stays as the record that there was one. Returns the outcome,
 * or null when the picture is unknown or already settled (a replayed push changes nothing).
 */
export async function settleImage(
  env: Env,
  where: { id: string } | { traceId: string },
  status: Settled,
  now = Date.now(),
): Promise<ImageOutcome | null> {
  const row = await settleImageRow(env.DB, where, status, now);
  if (!row) return null;
  if (status !== "passed") await deleteImageObjects(env, [row.id]);
  const outcome: ImageOutcome = { imageId: row.id, conversationId: row.conversationId, senderId: row.senderId, status };
  await tellRoom(env, outcome);
  return outcome;
}

/** Settles as "expired" every pending picture whose check deadline has passed (cron and lazily). */
export async function expireOverdueImages(env: Env, now = Date.now(), limit = 500): Promise<number> {
  let expired = 0;
  for (const id of await overdueImageIds(env.DB, now, limit)) {
    if (await settleImage(env, { id }, "expired", now)) expired++;
  }
  return expired;
}

export interface RoomImage {
  id: string;
  status: ImageStatus;
  contentType: string;
  width: number;
  height: number;
}

/**
 * The room's question: may picture `imageId`, sent by `senderId` in room `conversationId`, be
 * shown? Null when it is not that sender's picture in that room (a client cannot borrow another
 * room's picture). A pending picture past its deadline is expired here and then.
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
    await settleImage(env, { id: row.id }, "expired", now);
    row = await findImage(env.DB, imageId);
    if (!row) return null;
  }
  return { id: row.id, status: row.status, contentType: row.contentType, width: row.width, height: row.height };
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
