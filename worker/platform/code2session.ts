import { AppError } from "../errors";
import type { Env } from "../env";
import type { Platform } from "../protocol";
import { platformBase, platformCredentials, platformFetch, platformUnavailable } from "./api";

/**
 * Exchanges a wx.login / qq.login code for the user's OpenID. The session_key in the
 * answer is dropped here: it never leaves this function.
 */
export async function code2session(env: Env, platform: Platform, code: string): Promise<string> {
  const { appid, secret } = platformCredentials(env, platform);
  const query = new URLSearchParams({ appid, secret, js_code: code, grant_type: "authorization_code" });
  const body = await platformFetch(env, `${platformBase(env, platform)}/sns/jscode2session?${query}`);

  const errcode = Number(body.errcode ?? 0);
  if (errcode !== 0) throw platformError(errcode);
  if (typeof body.openid !== "string" || body.openid === "") {
    throw platformUnavailable("The platform's answer had no openid");
  }
  return body.openid;
}

/** The documented jscode2session errcodes, mapped to what our client can act on. */
function platformError(errcode: number): AppError {
  switch (errcode) {
    case 40029:
    case 40163:
      return new AppError("invalid_code", "The login code is invalid or already used; log in again", 401);
    case 45011:
      return new AppError("rate_limited", "Too many login attempts; wait a minute", 429);
    case 40226:
      return new AppError("blocked_by_platform", "The platform has blocked this user", 403);
    default:
      return platformUnavailable(`The platform refused the login (errcode ${errcode})`);
  }
}
