// Erasing a person, the one way both DELETE /api/me and the admin console do it.
import { deleteUserAndHistory } from "./db/retention";
import { disconnectEverywhere } from "./disconnect";
import type { Env } from "./env";
import { eraseConversationsOf } from "./room/client";

/**
 * Closes the user's sockets, erases every conversation they are part of (for both sides, in the
 * rooms and in D1) and then the account. Returns how many messages went.
 */
export async function eraseUser(env: Env, userId: string): Promise<number> {
  await disconnectEverywhere(env, userId, "conversation_ended");
  let deleted = await eraseConversationsOf(env, userId);
  deleted += await deleteUserAndHistory(env.DB, userId);
  return deleted;
}
