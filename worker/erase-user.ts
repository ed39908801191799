// Erasing a person, the one way both DELETE /api/me and the admin console do it.
import { historyDbs } from "./history/shards";
import { eraseUserAccount } from "./db/erasure";
import type { UserRow } from "./db/schema";
import { disconnectEverywhere } from "./disconnect";
import type { Env } from "./env";
import { deleteImagesOfUser } from "./media/store";
import { endRoomsOf, eraseConversationsOf } from "./room/client";

/**
 * Closes the user's sockets, ends their rooms for good, deletes their pictures, erases every
 * conversation they are part of (for both sides, in the rooms and in D1) and then the account.
 * What others hold against them (reports about them, blocks on them) stays until retention
 * (db/erasure.ts). Returns how many messages went.
 */
export async function eraseUser(env: Env, user: UserRow): Promise<number> {
  await disconnectEverywhere(env, user.id, "conversation_ended");
  // The rooms: each ends (the partner is told) and forgets what it holds (room/client.ts).
  await endRoomsOf(env, user.id);
  await deleteImagesOfUser(env, user.id);
  let deleted = await eraseConversationsOf(env, user.id);
  // D1: the account and its history; what others hold against it stays.
  deleted += await eraseUserAccount(historyDbs(env), user, Date.now());
  return deleted;
}
