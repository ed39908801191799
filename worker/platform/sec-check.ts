import type { Env } from "../env";
import type { Platform } from "../protocol";
import { withAccessToken } from "./access-token";
import { platformBase, platformCredentials, platformFetch, platformUnavailable } from "./api";

// The platforms' text checks: WeChat msgSecCheck v2 (openid-scoped, scene, result.suggest) and
// QQ MsgSecCheck (errcode 87014 = risky). Only the verdict leaves this file; the text and the
// openid are never logged.

export type PlatformVerdict = "pass" | "review" | "risky";

/** WeChat's scene for comments and chat-like exchanges. */
const WECHAT_SCENE_CHAT = 2;
const RISKY_ERRCODE = 87014;

function postCheck(
  env: Env,
  platform: Platform,
  token: string,
  text: string,
  openid: string | undefined,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const base = platformBase(env, platform);
  const query = new URLSearchParams({ access_token: token });
  const url =
    platform === "wechat"
      ? `${base}/wxa/msg_sec_check?${query}`
      : `${base}/api/json/security/MsgSecCheck?${query}`;
  const payload =
    platform === "wechat"
      ? { content: text, version: 2, scene: WECHAT_SCENE_CHAT, openid }
      : { appid: platformCredentials(env, platform).appid, content: text };
  return platformFetch(env, url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(payload),
    signal,
  });
}

function verdictOf(platform: Platform, body: Record<string, unknown>): PlatformVerdict {
  const errcode = Number(body.errcode ?? 0);
  if (errcode === RISKY_ERRCODE) return "risky";
  if (errcode !== 0) throw platformUnavailable(`the content check refused (errcode ${errcode})`);
  if (platform === "qq") return "pass";
  const result = body.result as { suggest?: unknown } | undefined;
  const suggest = result?.suggest;
  if (suggest === "pass" || suggest === "review" || suggest === "risky") return suggest;
  throw platformUnavailable("the content check gave no suggestion");
}

/**
 * Asks the platform about `text`. WeChat needs the sender's openid (v2 is scoped to a user who
 * opened the mini program in the last two hours); QQ does not. Throws platform_unavailable.
 */
export async function platformSecCheck(
  env: Env,
  platform: Platform,
  text: string,
  openid: string | undefined,
  signal: AbortSignal,
): Promise<PlatformVerdict> {
  const body = await withAccessToken(env, platform, (token) => postCheck(env, platform, token, text, openid, signal));
  return verdictOf(platform, body);
}
