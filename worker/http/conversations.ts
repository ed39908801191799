import { historyDbFor } from "../history/shards";
import { z } from "zod";
import { aliasFor } from "../alias";
import { findOwnConversation, findOwnConversationView, hiddenMarkOf, listConversations, pageMessages, partnerOf } from "../db/conversations";
import { AppError } from "../errors";
import { hideConversation } from "../room/client";
import { fromRow, historyView } from "../message-view";
import { LIMITS, type ConversationSummary, type ConversationsResponse, type DeletedResponse, type MessagesResponse } from "../protocol";
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
        ...(row.partnerErased ? { partnerErased: true as const } : {}),
      })),
    } satisfies ConversationsResponse);
  })
  /** One conversation of the caller's, messages or not (a subscribe message's page opens it by id). */
  .get("/:id", async (c) => {
    const me = c.var.user.id;
    const conversation = await findOwnConversation(c.env.DB, c.req.param("id"), me);
    if (!conversation) throw notYours();
    return c.json({
      id: conversation.id,
      partner: { alias: aliasFor(conversation.id, partnerOf(conversation, me)) },
      myAlias: aliasFor(conversation.id, me),
      createdAt: conversation.createdAt,
      lastMessageAt: conversation.lastMessageAt,
    } satisfies ConversationSummary);
  })
  .get("/:id/messages", validate("query", historyQuery), async (c) => {
    const me = c.var.user.id;
    const conversation = await findOwnConversationView(c.env.DB, c.req.param("id"), me);
    if (!conversation) throw notYours();
    const { before, limit } = c.req.valid("query");
    // What the caller deleted stays out of their history (the partner still sees it).
    const hidden = hiddenMarkOf(conversation, me);
    const rows = await pageMessages(historyDbFor(c.env, conversation.id), conversation.id, before, limit, hidden);
    return c.json({
      // A picture still under check is its sender's alone; pictures say so (links come from the room).
      messages: rows.flatMap((m) => historyView(fromRow(m), m.senderId === me) ?? []),
      nextBefore: rows.length === limit && rows[0].seq > hidden + 1 ? rows[0].seq : null,
      // Shown as "已注销的用户"; the history stays this caller's.
      ...(conversation.partnerErased ? { partnerErased: true as const } : {}),
    } satisfies MessagesResponse);
  })
  /**
   * "Delete chat": hides the history for the caller only. The partner keeps it (and can still
   * report it); it is removed once both have deleted it, or by retention.
   */
  .delete("/:id", async (c) => {
    const me = c.var.user.id;
    const conversation = await findOwnConversation(c.env.DB, c.req.param("id"), me);
    if (!conversation) throw notYours();
    const deleted = await hideConversation(c.env, conversation.id, me, hiddenMarkOf(conversation, me));
    return c.json({ deleted } satisfies DeletedResponse);
  });
