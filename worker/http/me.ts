import { deleteUserAndHistory } from "../db/retention";
import type { DeletedResponse, MeResponse } from "../protocol";
import { disconnectEverywhere } from "../disconnect";
import { endRoomsOf, eraseConversationsOf } from "../room/client";
import { newApp } from "./app";
import { requireUser } from "./session";

export const me = newApp()
  .use(requireUser())
  .get("/", (c) => {
    const user = c.var.user;
    return c.json({ id: user.id, createdAt: user.createdAt } satisfies MeResponse);
  })
  /**
   * Erases the caller: every conversation they are part of (for both sides, in the rooms and in
   * D1), their blocks and reports, and the account. `deleted` counts the messages that went.
   * The next login with the same WeChat/QQ account starts a new, empty user.
   */
  .delete("/", async (c) => {
    const userId = c.var.user.id;
    await disconnectEverywhere(c.env, userId, "conversation_ended");
    await endRoomsOf(c.env, userId);
    let deleted = await eraseConversationsOf(c.env, userId);
    deleted += await deleteUserAndHistory(c.env.DB, userId);
    return c.json({ deleted } satisfies DeletedResponse);
  });
