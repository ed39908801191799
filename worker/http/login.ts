import { z } from "zod";
import { findOrCreateUser } from "../db/users";
import { AppError } from "../errors";
import { loginKindEnabled } from "../login-kinds";
import { limitPerClient } from "./client-limit";
import { LOGIN_RULE } from "../limits/rules";
import { code2session } from "../platform/code2session";
import { identityHash } from "../platform/identity";
import { sealTicket } from "../platform/ticket";
import type { LoginResponse } from "../protocol";
import { newApp } from "./app";
import { issueSessionToken } from "./session";
import { validate } from "./validate";

const loginBody = z.object({
  platform: z.enum(["wechat", "qq", "dev"]),
  code: z.string().trim().min(1).max(128),
});

export const login = newApp().post("/", limitPerClient("login", LOGIN_RULE), validate("json", loginBody), async (c) => {
  const { platform, code } = c.req.valid("json");
  let openid: string;
  if (platform === "dev") {
    if (!loginKindEnabled(c.env, "dev")) {
      throw new AppError("bad_request", "Invalid platform: dev login is turned off on this server", 400);
    }
    // A stable user per name, so two terminals can be "alice" and "bob".
    openid = code;
  } else {
    openid = await code2session(c.env, platform, code);
  }
  const now = Date.now();
  const user = await findOrCreateUser(c.env.DB, await identityHash(c.env.IDENTITY_PEPPER, platform, openid), platform, now);
  if (user.bannedAt !== null) throw new AppError("banned", "This account has been banned", 403);
  const { token, expiresAt } = await issueSessionToken(c.env, user.id, user.platform, now);
  const response: LoginResponse = { token, user: { id: user.id }, expiresAt };
  if (platform !== "dev") {
    // The openid goes back to the client sealed, for the room's content check; we keep nothing.
    const sealed = await sealTicket(c.env, openid, now, user.id);
    response.checkTicket = sealed.ticket;
    response.checkTicketExpiresAt = sealed.expiresAt;
  }
  return c.json(response);
});
