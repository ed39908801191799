import type { Env } from "../env";
import type { Platform } from "../protocol";
import { getAccessToken } from "./access-token";
import { platformBase, platformCredentials } from "./api";

// The platforms' text checks: WeChat msgSecCheck v2 (openid-scoped, scene, result.suggest) and
// QQ MsgSecCheck (errcode 87014 = risky). Only the verdict leaves this file; the text and the
// openid are never logged.

export type PlatformVerdict = "pass" | "review" | "risky";

/** The platform could not give a verdict (down, slow, refused, unreadable). */
export class SecCheckUnavailable extends Error {
  override name = "SecCheckUnavailable";
}

/** WeChat's scene for comments and chat-like exchanges. */
const WECHAT_SCENE_CHAT = 2;
/** The access token is invalid or expired: refresh once and retry. */
const TOKEN_ERRCODES = new Set([40001, 42001]);
const RISKY_ERRCODE = 87014;

async function postCheck(
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
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
      signal,
    });
  } catch {
    throw new SecCheckUnavailable("the content check did not answer in time");
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new SecCheckUnavailable(`the content check answered HTTP ${response.status}`);
  }
  try {
    const body: unknown = await response.json();
    if (body && typeof body === "object" && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new SecCheckUnavailable("the content check's answer could not be read");
}

function verdictOf(platform: Platform, body: Record<string, unknown>): PlatformVerdict {
  const errcode = Number(body.errcode ?? 0);
  if (errcode === RISKY_ERRCODE) return "risky";
  if (errcode !== 0) throw new SecCheckUnavailable(`the content check refused (errcode ${errcode})`);
  if (platform === "qq") return "pass";
  const result = body.result as { suggest?: unknown } | undefined;
  const suggest = result?.suggest;
  if (suggest === "pass" || suggest === "review" || suggest === "risky") return suggest;
  throw new SecCheckUnavailable("the content check gave no suggestion");
}

/**
 * Asks the platform about `text`. WeChat needs the sender's openid (v2 is scoped to a user who
 * opened the mini program in the last two hours); QQ does not. Throws SecCheckUnavailable.
 */
export async function platformSecCheck(
  env: Env,
  platform: Platform,
  text: string,
  openid: string | undefined,
  signal: AbortSignal,
): Promise<PlatformVerdict> {
  let token: string;
  try {
    token = await getAccessToken(env, platform);
  } catch (error) {
    throw new SecCheckUnavailable(error instanceof Error ? error.message : "no access token");
  }
  let body = await postCheck(env, platform, token, text, openid, signal);
  if (TOKEN_ERRCODES.has(Number(body.errcode ?? 0))) {
    try {
      token = await getAccessToken(env, platform, token);
    } catch (error) {
      throw new SecCheckUnavailable(error instanceof Error ? error.message : "no access token");
    }
    body = await postCheck(env, platform, token, text, openid, signal);
  }
  return verdictOf(platform, body);
}
