import { z } from "zod";
import { confirmAdult } from "../db/adult";
import type { AdultResponse, DeletedResponse, MeResponse } from "../protocol";
import { eraseUser } from "../erase-user";
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
   * D1), the blocks and reports they made, and the account. Reports about them and blocks others
   * placed on them stay until retention (db/erasure.ts); the next login with the same WeChat/QQ
   * account gets a new, empty account that those move to, so they still hold. `deleted` counts the
   * messages that went.
   */
  .delete("/", async (c) => {
    const deleted = await eraseUser(c.env, c.var.user);
    return c.json({ deleted } satisfies DeletedResponse);
  });
