import { aliasFor } from "../alias";
import { endKeptChat, listKeptChats } from "../db/kept-chats";
import { AppError } from "../errors";
import { findOwnConversation } from "../db/conversations";
import type { ChatsResponse, KeepResponse } from "../protocol";
import { roomStub } from "../room/client";
import { newApp } from "./app";
import { requireUser } from "./session";

// 我的聊天: the chats both people chose to keep (保持联系, a room frame), and ending one.
export const chats = newApp()
  .use(requireUser())
  .get("/", async (c) => {
    const me = c.var.user.id;
    const rows = await listKeptChats(c.env.DB, me);
    return c.json({
      chats: rows.map((r) => ({
        id: r.conversationId,
        // Only the alias, as everywhere: nothing that reaches or identifies the partner elsewhere.
        partner: { alias: aliasFor(r.conversationId, r.partnerId) },
        keptAt: r.keptAt,
        lastMessageAt: r.lastMessageAt,
        unread: r.unread,
      })),
    } satisfies ChatsResponse);
  })
  // 保持联系 from an end screen whose socket is gone: the same private tap as the room frame.
  .post("/:id/keep", async (c) => {
    const me = c.var.user.id;
    const conversation = await findOwnConversation(c.env.DB, c.req.param("id"), me);
    if (!conversation) throw new AppError("not_found", "No such conversation", 404);
    if (conversation.endedAt !== null && conversation.endedAt >= (conversation.lastMatchedAt ?? 0)) {
      throw new AppError("chat_ended", "This chat was ended; it cannot be reopened", 410);
    }
    const answer = await roomStub(c.env, conversation.id).keepTap(me);
    if (!answer.ok) throw new AppError(answer.code, answer.message, 409);
    return c.json({ keep: answer.keep } satisfies KeepResponse);
  })
  .delete("/:id", async (c) => {
    const id = c.req.param("id");
    // Someone else's chat, or one not kept, is simply not there for this caller.
    if (!(await endKeptChat(c.env.DB, id, c.var.user.id, Date.now()))) throw new AppError("not_found", "No such chat", 404);
    await roomStub(c.env, id).endKept();
    return c.body(null, 204);
  });
