// Erasing a person, the one way both DELETE /api/me and the admin console do it.
import { deleteUserAndHistory } from "./db/retention";
import type { UserRow } from "./db/schema";
import { disconnectEverywhere } from "./disconnect";
import type { Env } from "./env";
import { endRoomsOf, eraseConversationsOf } from "./room/client";

/**
 * Closes the user's sockets, ends their rooms for good, erases every conversation they are part
 * of (for both sides, in the rooms and in D1) and then the account. Returns how many messages went.
 */
export async function eraseUser(env: Env, user: UserRow): Promise<number> {
  await disconnectEverywhere(env, user.id, "conversation_ended");
  await endRoomsOf(env, user.id);
  let deleted = await eraseConversationsOf(env, user.id);
  deleted += await deleteUserAndHistory(env.DB, user.id);
  return deleted;
}
