// How the rest of the worker reaches rooms: one room object per conversation id. Nothing outside
// room/ names the Room class or its namespace; it calls these.
import { conversationIdsOf } from "../db/conversations";
import type { Env } from "../env";
import { describeError } from "../errors";
import type { ImageOutcome } from "../media/outcome";
import { roomConnectRequest, type RoomConnect } from "./connect";

export function roomStub(env: Env, conversationId: string) {
  return env.ROOM.get(env.ROOM.idFromName(conversationId));
}

/** Hands an authenticated socket upgrade to the pair's room (what the room trusts, connect.ts). */
export function connectToRoom(env: Env, info: RoomConnect): Promise<Response> {
  return roomStub(env, info.conversationId).fetch(roomConnectRequest("https://room.internal/connect", info));
}

/** Erasure goes through the room, which clears what it still holds and D1 together. */
export function eraseConversation(env: Env, conversationId: string): Promise<number> {
  return roomStub(env, conversationId).eraseHistory(conversationId);
}

/** Erases every conversation a user is part of; returns how many messages went. */
export async function eraseConversationsOf(env: Env, userId: string): Promise<number> {
  let deleted = 0;
  for (const id of await conversationIdsOf(env.DB, userId)) deleted += await eraseConversation(env, id);
  return deleted;
}

/** "Delete chat" for one participant, through the room (it knows the newest seq); returns how many they no longer see. */
export function hideConversation(env: Env, conversationId: string, userId: string, previousMark: number): Promise<number> {
  return roomStub(env, conversationId).hideFor(conversationId, userId, previousMark);
}

/**
 * Self-erasure: every room of the user ends for good. Partners are told and closed, nothing sent
 * after is stored or acked, and the rooms forget the user's id. Call before the history is erased.
 */
export async function endRoomsOf(env: Env, userId: string): Promise<void> {
  const ids = await conversationIdsOf(env.DB, userId);
  await Promise.all(ids.map((id) => roomStub(env, id).endForErasure(userId)));
}

/**
 * Tells a picture's room of its verdict (settled by the push route or the cron). A lost notice
 * delays, never leaks: the room expires its own pending pictures and the phone can ask.
 */
export async function tellRoomOfImage(env: Env, outcome: ImageOutcome): Promise<void> {
  try {
    await roomStub(env, outcome.conversationId).imageChecked(outcome);
  } catch (error) {
    console.error("image outcome: room not told", describeError(error));
  }
}
