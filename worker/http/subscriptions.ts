import { z } from "zod";
import { withdrawConsents } from "../db/subscriptions";
import { AppError } from "../errors";
import { recordConsents } from "../notify/away";
import { templateId } from "../platform/subscribe";
import { openTicket } from "../platform/ticket";
import { SUBSCRIBE_KINDS, type SubscribeResponse, type SubscribeTemplatesResponse } from "../protocol";
import { newApp } from "./app";
import { requireUser } from "./session";
import { validate } from "./validate";

const subscribeBody = z.object({
  kinds: z.array(z.enum(SUBSCRIBE_KINDS)).min(1).max(SUBSCRIBE_KINDS.length),
  ticket: z.string().min(1).max(1024),
});

/**
 * GET /api/subscriptions/templates — the template ids for wx.requestSubscribeMessage.
 * POST /api/subscriptions — after the person accepted: records the consents (openid sealed).
 * DELETE /api/subscriptions — withdraws every consent (and the sealed openids with them).
 */
export const subscriptions = newApp()
  .use(requireUser())
  .get("/templates", (c) => {
    const user = c.var.user;
    const templates: SubscribeTemplatesResponse["templates"] = {};
    if (user.platform !== "dev") {
      for (const kind of SUBSCRIBE_KINDS) {
        const id = templateId(c.env, user.platform, kind);
        if (id) templates[kind] = id;
      }
    }
    return c.json({ templates } satisfies SubscribeTemplatesResponse);
  })
  .post("/", validate("json", subscribeBody), async (c) => {
    const user = c.var.user;
    const { kinds, ticket } = c.req.valid("json");
    const now = Date.now();
    if (user.platform === "dev") throw new AppError("bad_request", "Subscribe messages need a WeChat or QQ login", 400);
    const openid = await openTicket(c.env, ticket, now, user.id);
    if (!openid) throw new AppError("ticket_required", "Send a valid check ticket; log in again if it expired", 401);
    // Only kinds this server can send: no template, no reason to keep the openid.
    const platform = user.platform;
    const usable = kinds.filter((kind) => templateId(c.env, platform, kind));
    const recorded = await recordConsents(c.env, user, openid, usable, now);
    return c.json({ kinds: recorded } satisfies SubscribeResponse);
  })
  .delete("/", async (c) => {
    await withdrawConsents(c.env.DB, c.var.user.id);
    return c.body(null, 204);
  });
