import { z } from "zod";
import { hiddenMarkOf } from "../db/conversations";
import { userAndConversation } from "../db/room-entry";
import { AppError } from "../errors";
import { openTicket } from "../platform/ticket";
import { connectToRoom } from "../room/client";
import { publicOrigin } from "../media/signed-url";
import { newApp } from "./app";
import { activeUser, sessionUserId } from "./session";
import { validate } from "./validate";

const roomQuery = z.object({
  after: z.coerce.number().int().min(0).optional(),
  /** The login's check ticket: the sealed OpenID the platform content check needs. */
  ticket: z.string().max(1024).optional(),
});

/** GET /api/rooms/:roomId — the pair's room socket. Authenticated before the upgrade is accepted. */
export const rooms = newApp().get("/:roomId", validate("query", roomQuery), async (c) => {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("bad_request", "This endpoint only accepts WebSocket upgrades", 426);
  }
  const userId = await sessionUserId(c.env, c.req.raw, true);
  const { user: row, conversation } = await userAndConversation(c.env.DB, userId, c.req.param("roomId"));
  const user = activeUser(c.env, row);
  if (!conversation) throw new AppError("not_found", "No such room", 404);
  if (conversation.userA !== user.id && conversation.userB !== user.id) {
    throw new AppError("forbidden", "This room belongs to someone else", 403);
  }
  // A kept chat one of them ended stays closed until the lobby pairs them again.
  if (conversation.endedAt !== null && conversation.endedAt >= (conversation.lastMatchedAt ?? 0)) {
    throw new AppError("chat_ended", "This chat was ended; it cannot be reopened", 410);
  }
  const { after, ticket } = c.req.valid("query");
  // Opened here and handed to the room in memory only. A bad or stale ticket means no OpenID: the
  // room then refuses a WeChat/QQ user's sends with ticket_required (or flags them, fail-open).
  const openid = ticket ? await openTicket(c.env, ticket, Date.now(), user.id) : null;
  return connectToRoom(c.env, {
    userId: user.id,
    platform: user.platform,
    conversationId: conversation.id,
    userA: conversation.userA,
    userB: conversation.userB,
    after: after ?? null,
    hiddenUpTo: hiddenMarkOf(conversation, user.id),
    openid,
    origin: publicOrigin(c.env, c.req.url),
  });
});
