// Ending a user's live connections wherever they are: their lobby shard and every room they have.
import { conversationIdsOf } from "./db/conversations";
import { endKeptChatsOf } from "./db/kept-chats";
import type { Env } from "./env";
import type { LobbyEndCode } from "./lobby/lobby";
import { placementFor, shardStub } from "./lobby/shards";
import { roomStub } from "./room/client";

/**
 * For a ban or a self-erasure: every open socket of the user gets `code` and closes, and their kept
 * chats end for both sides (the partners' 我的聊天 entries go; nothing more reaches a gone person).
 */
export async function disconnectEverywhere(env: Env, userId: string, code: "banned" | "conversation_ended"): Promise<void> {
  const kept = await endKeptChatsOf(env.DB, userId, Date.now());
  await Promise.all(kept.map((id) => roomStub(env, id).endKept()));
  const ids = await conversationIdsOf(env.DB, userId);
  await Promise.all([takeOutOfLobby(env, userId, code), ...ids.map((id) => roomStub(env, id).disconnectUser(userId, code))]);
}

/** Leaves the user's open conversations alone but takes them out of the queue (e.g. a matching suspension), telling them why. */
export async function takeOutOfLobby(env: Env, userId: string, code: LobbyEndCode): Promise<void> {
  const placement = placementFor(env, userId);
  await shardStub(env, placement.pool, placement.index).disconnectUser(userId, code);
}
