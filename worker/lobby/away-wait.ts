import { logError } from "../log";
import { listConsents } from "../db/subscriptions";
import { findUser } from "../db/users";
import type { Env } from "../env";
import { notifyAway } from "../notify/away";
import type { LobbyServerFrame } from "../protocol";
import type { LobbyQueue, QueueRow } from "./queue";

// Waiting in the background (issue 14). A phone's lobby socket dies soon after the app goes to the
// background. Someone who accepted the "匹配成功" reminder keeps their place for a while: when they
// are matched the partner goes ahead into the room, they get the subscribe message, and the match
// waits here for their next lobby visit (the client reconnects on return), which gets it at once.

/** How long a backgrounded waiter keeps their place. */
export const AWAY_WAIT_MS = 10 * 60_000;
/** How long a match made while away waits for the person's return. */
export const MISSED_KEEP_MS = 60 * 60_000;

export async function hasMatchedConsent(env: Env, userId: string, now: number): Promise<boolean> {
  try {
    return (await listConsents(env.DB, userId)).some((c) => c.kind === "matched" && c.expiresAt > now);
  } catch (error) {
    logError("lobby.consent_check_failed", error);
    return false;
  }
}

/** Hands a match to a waiter who is away: kept for their return, and one reminder sent. */
export function handOverAway(env: Env, queue: LobbyQueue, row: QueueRow, frame: Extract<LobbyServerFrame, { type: "matched" }>, now: number): Promise<void> {
  queue.remove(row.userId, row.ticket);
  queue.recordMatch(now);
  queue.keepMissed(row.userId, JSON.stringify(frame), now + MISSED_KEEP_MS);
  return noticeMatched(env, row.userId, frame.roomId);
}

async function noticeMatched(env: Env, userId: string, roomId: string): Promise<void> {
  try {
    const user = await findUser(env.DB, userId);
    if (user) await notifyAway(env, user, "matched", Date.now(), roomId);
  } catch (error) {
    logError("lobby.match_notice_failed", error);
  }
}
