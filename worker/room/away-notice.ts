import { logError } from "../log";
import { findUser } from "../db/users";
import type { Env } from "../env";
import { notifyAway } from "../notify/away";
import type { RoomStore } from "./store";

// "对方回复了你": the partner wrote while this person was away from the room. One notice per absence
// (a meta mark, cleared when they come back); away.ts takes the consent atomically besides.

const mark = (userId: string) => `away_noticed:${userId}`;

export async function noticeAway(env: Env, store: RoomStore, userId: string): Promise<void> {
  // Left or only away (a backgrounded app's socket dies and its grace runs out alike): the consent decides.
  if (!store.member(userId) || store.metaValue(mark(userId)) !== null) return;
  store.setMetaValue(mark(userId), String(Date.now()));
  try {
    const user = await findUser(env.DB, userId);
    // Without a consent nothing was used up: a consent given later in this absence still counts.
    if (!user || (await notifyAway(env, user, "reply", Date.now(), store.meta()?.conversationId)) === "no_consent") backInRoom(store, userId);
  } catch (error) {
    logError("room.reply_notice_failed", error);
  }
}

/** The person is back in the room: the next absence may bring one notice again. */
export function backInRoom(store: RoomStore, userId: string): void {
  if (store.metaValue(mark(userId)) !== null) store.deleteMetaValue(mark(userId));
}
