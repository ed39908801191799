import { db } from "./client";
import { conversationQuery } from "./conversations";
import type { ConversationRow, UserRow } from "./schema";
import { userQuery } from "./users";

/** What a room socket's entry checks (ban, membership): the user and the conversation in one D1 round trip. */
export async function userAndConversation(
  d1: D1Database,
  userId: string,
  conversationId: string,
): Promise<{ user: UserRow | undefined; conversation: ConversationRow | undefined }> {
  const [[user], [conversation]] = await db(d1).batch([userQuery(d1, userId), conversationQuery(d1, conversationId)]);
  return { user, conversation };
}
