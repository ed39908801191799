import { eraseUserAccount } from "../db/erasure";
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
   * D1), the blocks and reports they made, and the account. Reports about them and blocks others
   * placed on them stay until retention (db/erasure.ts); the next login with the same WeChat/QQ
   * account gets a new, empty account that those move to, so they still hold. `deleted` counts the
   * messages that went.
   */
  .delete("/", async (c) => {
    const user = c.var.user;
    await disconnectEverywhere(c.env, user.id, "conversation_ended");
    // The rooms: each ends (the partner is told) and forgets what it holds (room/client.ts).
    await endRoomsOf(c.env, user.id);
    let deleted = await eraseConversationsOf(c.env, user.id);
    // D1: the account and its history; what others hold against it stays.
    deleted += await eraseUserAccount(c.env.DB, user, Date.now());
    return c.json({ deleted } satisfies DeletedResponse);
  });
