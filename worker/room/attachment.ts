// Per-socket state, kept in the socket's attachment so it survives hibernation. Read back through
// parseAttachment: a value of the wrong shape is refused, never trusted.
import type { BucketState } from "../limits/token-bucket";
import type { RoomConnect } from "./connect";

export interface RoomAttachment {
  userId: string;
  platform: RoomConnect["platform"];
  openid: string | null;
  /** The user deleted the conversation up to this seq: their history starts after it. */
  hiddenUpTo?: number;
  /** Set when the server or the user ended this socket on purpose: no grace period follows. */
  ended?: boolean;
  /** This socket's history re-request budget (limits/rules.ts HISTORY_RULE). */
  historyBucket?: BucketState;
  /** The last history page sent said `more` and ended at this seq: asking on from there is free. */
  pagedTo?: number;
}

/** Checked by hand, not by a schema library: every frame and every presence lookup reads it. */
export function parseAttachment(value: unknown): RoomAttachment | null {
  if (typeof value !== "object" || value === null) return null;
  const { userId, platform, openid, hiddenUpTo, ended, historyBucket, pagedTo } = value as Record<string, unknown>;
  if (typeof userId !== "string" || userId.length === 0) return null;
  if (platform !== "wechat" && platform !== "qq" && platform !== "dev") return null;
  if (openid !== null && typeof openid !== "string") return null;
  if (hiddenUpTo !== undefined && !(typeof hiddenUpTo === "number" && Number.isSafeInteger(hiddenUpTo) && hiddenUpTo >= 0)) return null;
  if (ended !== undefined && typeof ended !== "boolean") return null;
  const attachment: RoomAttachment = { userId, platform, openid };
  if (hiddenUpTo !== undefined) attachment.hiddenUpTo = hiddenUpTo;
  if (ended !== undefined) attachment.ended = ended;
  if (isBucket(historyBucket)) attachment.historyBucket = historyBucket;
  if (typeof pagedTo === "number" && Number.isSafeInteger(pagedTo)) attachment.pagedTo = pagedTo;
  return attachment;
}

function isBucket(value: unknown): value is BucketState {
  if (typeof value !== "object" || value === null) return false;
  const { tokens, at, refusals } = value as Record<string, unknown>;
  return typeof tokens === "number" && typeof at === "number" && typeof refusals === "number";
}
