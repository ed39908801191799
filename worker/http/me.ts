import { z } from "zod";
import { confirmAdult } from "../db/adult";
import { deleteUserAndHistory } from "../db/retention";
import type { AdultResponse, DeletedResponse, MeResponse } from "../protocol";
import { disconnectEverywhere } from "../disconnect";
import { deleteImagesOfUser } from "../media/store";
import { eraseConversationsOf } from "../room/client";
import { newApp } from "./app";
import { requireUser } from "./session";
import { validate } from "./validate";

const adultBody = z.object({ confirmed: z.literal(true) });

export const me = newApp()
  .use(requireUser())
  .get("/", (c) => {
    const user = c.var.user;
    return c.json({
      id: user.id,
      createdAt: user.createdAt,
      adultConfirmedAt: user.adultConfirmedAt,
      matchingSuspended: user.matchingSuspendedAt !== null,
    } satisfies MeResponse);
  })
  /** The one-time 18+ confirmation from the profile step; repeating it keeps the first time. */
  .post("/adult", validate("json", adultBody), async (c) => {
    const row = await confirmAdult(c.env.DB, c.var.user.id, Date.now());
    if (!row || row.adultConfirmedAt === null) throw new Error("adult confirmation not stored");
    return c.json({ adultConfirmedAt: row.adultConfirmedAt } satisfies AdultResponse);
  })
  /**
   * Erases the caller: every conversation they are part of (for both sides, in the rooms and in
   * D1), their blocks and reports, and the account. `deleted` counts the messages that went.
   * The next login with the same WeChat/QQ account starts a new, empty user.
   */
  .delete("/", async (c) => {
    const userId = c.var.user.id;
    await disconnectEverywhere(c.env, userId, "conversation_ended");
    await deleteImagesOfUser(c.env, userId);
    let deleted = await eraseConversationsOf(c.env, userId);
    deleted += await deleteUserAndHistory(c.env.DB, userId);
    return c.json({ deleted } satisfies DeletedResponse);
  });
