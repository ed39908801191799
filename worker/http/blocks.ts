import { z } from "zod";
import { blockStatementRaw } from "../db/blocks";
import { endKeptPairStatements } from "../db/kept-chats";
import { roomStub } from "../room/client";
import { findOwnConversation, partnerOf } from "../db/conversations";
import { AppError } from "../errors";
import { newApp } from "./app";
import { requireUser } from "./session";
import { validate } from "./validate";

const blockBody = z.object({ conversationId: z.string().trim().min(1).max(64) });

/** POST /api/blocks: never be matched with this conversation's partner again. */
export const blocks = newApp()
  .use(requireUser())
  .post("/", validate("json", blockBody), async (c) => {
    const userId = c.var.user.id;
    const conversation = await findOwnConversation(c.env.DB, c.req.valid("json").conversationId, userId);
    if (!conversation) throw new AppError("not_found", "No such conversation", 404);
    const now = Date.now();
    const partnerId = partnerOf(conversation, userId);
    // The block and the end of a kept chat are one batch: no window where a blocked pair stays kept.
    const [, , ended] = await c.env.DB.batch([blockStatementRaw(c.env.DB, userId, partnerId, now), ...endKeptPairStatements(c.env.DB, userId, partnerId, now)]);
    if ((ended.meta.changes ?? 0) > 0) await roomStub(c.env, conversation.id).endKept();
    return c.body(null, 204);
  });
