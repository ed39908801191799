import { findOwnConversation } from "../db/conversations";
import { deleteImageRows, insertImage, pendingCount, setTraceId } from "../db/images";
import type { UserRow } from "../db/schema";
import { numberVar, type Env } from "../env";
import { limitShared } from "../limits/shared-limiter";
import type { BucketRule } from "../limits/token-bucket";
import { AppError, describeError } from "../errors";
import { isPlatformUnavailable } from "../platform/api";
import { qqImageCheck, wechatMediaCheckAsync } from "../platform/media-check";
import { randomId } from "../lib/random-id";
import { LIMITS, type ImageUploadResponse } from "../protocol";
import { readImageHeader } from "./image-header";
import { ORPHAN_AFTER_MS } from "./orphans";
import { signMediaUrl } from "./signed-url";
import { deleteImageObjects, putImageObject } from "./store";

// One picture from a person in a conversation: checked for type and size, stored in R2 under a
// random key, and sent to the platform's check. WeChat answers later (the picture stays
// "pending" until the push, or until IMAGE_CHECK_WAIT_MS has passed); QQ answers now. Pictures
// are never shown unchecked: when the platform check is down the upload is refused.

/** Pictures one person may have waiting for WeChat's answer at once. */
export const MAX_PENDING_PER_SENDER = 5;

/** Uploads per person: 10 back to back, then 10 a minute. Each costs storage and a platform check. */
export const IMAGE_UPLOAD_RULE: BucketRule = { burst: 10, perSecond: 10 / 60 };

export interface UploadInput {
  user: UserRow;
  conversationId: string;
  bytes: Uint8Array;
  /** The sender's openid from the check ticket; WeChat's check needs it. */
  openid: string | null;
  /** The worker's public origin, for the URL WeChat fetches the picture from. */
  origin: string;
}

export function checkWaitMs(env: Env): number {
  return numberVar(env.IMAGE_CHECK_WAIT_MS, 30 * 60 * 1000);
}

const unavailable = () =>
  new AppError("moderation_unavailable", "The picture check is unavailable right now; try again shortly", 503);

export async function uploadImage(env: Env, input: UploadInput, now = Date.now()): Promise<ImageUploadResponse> {
  const { user, bytes } = input;
  if (bytes.length === 0) throw new AppError("unsupported_image", "The upload is empty", 400);
  if (bytes.length > LIMITS.imageMaxBytes) {
    throw new AppError("payload_too_large", `A picture is ${LIMITS.imageMaxBytes} bytes at most`, 413);
  }
  const info = readImageHeader(bytes);
  if (!info) throw new AppError("unsupported_image", "Send a JPEG, PNG or GIF picture", 415);
  const { width, height } = info;
  if (width < 1 || height < 1 || Math.max(width, height) > LIMITS.imageMaxSide || width * height > LIMITS.imageMaxPixels) {
    throw new AppError(
      "image_too_large",
      `A picture is at most ${LIMITS.imageMaxSide} pixels on its longer side and ${LIMITS.imageMaxPixels} pixels in all`,
      413,
    );
  }
  if (!(await findOwnConversation(env.DB, input.conversationId, user.id))) {
    throw new AppError("not_found", "No such conversation", 404);
  }
  if (user.platform === "wechat" && !input.openid) {
    throw new AppError("ticket_required", "Send the login's check ticket with the picture; log in again if it expired", 401);
  }
  await limitShared(env, "image-upload", user.id, IMAGE_UPLOAD_RULE);

  const id = randomId();
  const base = { id, contentType: info.type, bytes: bytes.length, width, height };
  const row = {
    ...base,
    conversationId: input.conversationId,
    senderId: user.id,
    traceId: null,
    createdAt: now,
    checkDeadline: now + checkWaitMs(env),
    checkedAt: null,
    // Not sent in a message by then: deleted by the orphan sweep (media/orphans.ts).
    sendBy: now + ORPHAN_AFTER_MS,
  };

  if (user.platform === "qq") {
    let verdict: "pass" | "risky";
    try {
      verdict = await qqImageCheck(env, bytes, info.type);
    } catch (error) {
      console.error("qq picture check failed", describeError(error));
      throw unavailable();
    }
    if (verdict === "risky") throw new AppError("content_rejected", "This picture cannot be sent", 422);
    await putImageObject(env, id, bytes, info.type);
    await insertImage(env.DB, { ...row, status: "passed", checkedAt: now });
    return { ...base, status: "passed" };
  }

  if (user.platform === "dev") {
    // Dev login exists only where DEV_LOGIN is on (never in production); there is no platform to ask.
    await putImageObject(env, id, bytes, info.type);
    await insertImage(env.DB, { ...row, status: "passed", checkedAt: now });
    return { ...base, status: "passed" };
  }

  if ((await pendingCount(env.DB, user.id)) >= MAX_PENDING_PER_SENDER) {
    throw new AppError("rate_limited", "Wait for your earlier pictures to be checked", 429);
  }
  // Row, then object, then check: a failure never leaves an object without its row. A push that
  // overtakes setTraceId finds no trace_id and is answered 404, so WeChat sends it again.
  await insertImage(env.DB, { ...row, status: "pending" });
  try {
    await putImageObject(env, id, bytes, info.type);
  } catch (error) {
    await deleteImageRows(env.DB, [id]);
    throw error;
  }
  try {
    const url = await signMediaUrl(env, input.origin, id, "check", row.checkDeadline);
    const traceId = await wechatMediaCheckAsync(env, url, input.openid!);
    await setTraceId(env.DB, id, traceId);
  } catch (error) {
    await deleteImageObjects(env, [id]).catch(() => undefined);
    await deleteImageRows(env.DB, [id]);
    if (error instanceof AppError && !isPlatformUnavailable(error)) throw error;
    console.error("wechat picture check failed", describeError(error));
    throw unavailable();
  }
  return { ...base, status: "pending" };
}
