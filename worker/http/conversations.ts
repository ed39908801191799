import { z } from "zod";
import { aliasFor } from "../alias";
import { findOwnConversation, listConversations, pageMessages, partnerOf } from "../db/conversations";
import { AppError } from "../errors";
import { deleteConversationImages } from "../media/store";
import { eraseConversation } from "../room/client";
import { LIMITS, type ConversationsResponse, type DeletedResponse, type MessagesResponse } from "../protocol";
import { newApp } from "./app";
import { requireUser } from "./session";
import { validate } from "./validate";

const historyQuery = z.object({
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.pageMax).default(50),
});

const notYours = () => new AppError("not_found", "No such conversation", 404);

export const conversations = newApp()
  .use(requireUser())
  .get("/", async (c) => {
    const me = c.var.user.id;
    const rows = await listConversations(c.env.DB, me);
    return c.json({
      conversations: rows.map((row) => ({
        id: row.id,
        // Only an alias: nothing here lets one user reach or identify the other elsewhere.
        partner: { alias: aliasFor(row.id, partnerOf(row, me)) },
        myAlias: aliasFor(row.id, me),
        createdAt: row.createdAt,
        lastMessageAt: row.lastMessageAt,
      })),
    } satisfies ConversationsResponse);
  })
  .get("/:id/messages", validate("query", historyQuery), async (c) => {
    const me = c.var.user.id;
    const conversation = await findOwnConversation(c.env.DB, c.req.param("id"), me);
    if (!conversation) throw notYours();
    const { before, limit } = c.req.valid("query");
    const rows = await pageMessages(c.env.DB, conversation.id, before, limit);
    return c.json({
      messages: rows.map((m) => ({
        id: m.id,
        seq: m.seq,
        from: m.senderId === me ? ("me" as const) : ("partner" as const),
        text: m.body,
        at: m.createdAt,
      })),
      nextBefore: rows.length === limit && rows[0].seq > 1 ? rows[0].seq : null,
    } satisfies MessagesResponse);
  })
  .delete("/:id", async (c) => {
    const conversation = await findOwnConversation(c.env.DB, c.req.param("id"), c.var.user.id);
    if (!conversation) throw notYours();
    await deleteConversationImages(c.env, conversation.id);
    const deleted = await eraseConversation(c.env, conversation.id);
    return c.json({ deleted } satisfies DeletedResponse);
  });
