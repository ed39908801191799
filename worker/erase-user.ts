// Erasing a person, the one way both DELETE /api/me and the admin console do it.
import { historyDbs } from "./history/shards";
import { eraseUserAccount } from "./db/erasure";
import type { UserRow } from "./db/schema";
import { disconnectEverywhere } from "./disconnect";
import type { Env } from "./env";
import { deleteUndeliveredImagesOf } from "./media/store";
import { endRoomsOf } from "./room/client";

/**
 * Removes the person's identity, not what their partners received. Closes their sockets, ends
 * their rooms for good (each partner is told; the room hands D1 all it holds), deletes the
 * pictures no partner received, and erases the account in one D1 batch (db/erasure.ts): their
 * side of each conversation is hidden, the partner keeps their copy to read, report, block or
 * delete. What others hold against them (reports about them, blocks on them) stays until
 * retention. Returns how many messages the person no longer sees.
 */
export async function eraseUser(env: Env, user: Pick<UserRow, "id">): Promise<number> {
  await disconnectEverywhere(env, user.id, "conversation_ended");
  await endRoomsOf(env, user.id);
  await deleteUndeliveredImagesOf(env, user.id);
  return eraseUserAccount(historyDbs(env), user, Date.now());
}
