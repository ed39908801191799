import { z } from "zod";
import { blockUser } from "../db/blocks";
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
    await blockUser(c.env.DB, userId, partnerOf(conversation, userId), Date.now());
    return c.body(null, 204);
  });
