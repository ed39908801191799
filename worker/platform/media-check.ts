import { numberVar, type Env } from "../env";
import type { Platform } from "../protocol";
import { getAccessToken } from "./access-token";
import { platformBase, platformCredentials } from "./api";
import { SecCheckUnavailable } from "./sec-check";

// The platforms' picture checks. WeChat: security.mediaCheckAsync v2 — the platform fetches the
// picture from a URL we give it and answers later through the message push (worker/http/push.ts),
// matched by trace_id. QQ: ImgSecCheck, synchronous, with the bytes in the request.
// Neither the openid nor the picture is ever logged.

/** WeChat's scene for comments and chat-like exchanges (as for the text check). */
const WECHAT_SCENE_CHAT = 2;
const MEDIA_TYPE_IMAGE = 2;
const TOKEN_ERRCODES = new Set([40001, 42001]);
const RISKY_ERRCODE = 87014;

async function post(env: Env, url: string, body: BodyInit, headers: HeadersInit = {}): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(numberVar(env.PLATFORM_TIMEOUT_MS, 3000)),
    });
  } catch {
    throw new SecCheckUnavailable("the picture check did not answer in time");
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new SecCheckUnavailable(`the picture check answered HTTP ${response.status}`);
  }
  try {
    const parsed: unknown = await response.json();
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new SecCheckUnavailable("the picture check's answer could not be read");
}

/** Calls with the current access token, and once more with a fresh one if the platform says it is stale. */
async function withToken(
  env: Env,
  platform: Platform,
  call: (token: string) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const token = async (stale?: string) => {
    try {
      return await getAccessToken(env, platform, stale);
    } catch (error) {
      throw new SecCheckUnavailable(error instanceof Error ? error.message : "no access token");
    }
  };
  const first = await token();
  const body = await call(first);
  return TOKEN_ERRCODES.has(Number(body.errcode ?? 0)) ? call(await token(first)) : body;
}

/**
 * Asks WeChat to check the picture at `mediaUrl` (which must stay fetchable until the answer) for
 * the sender `openid`. Returns the trace_id the push will carry. Throws SecCheckUnavailable.
 */
export async function wechatMediaCheckAsync(env: Env, mediaUrl: string, openid: string): Promise<string> {
  const payload = JSON.stringify({
    media_url: mediaUrl,
    media_type: MEDIA_TYPE_IMAGE,
    version: 2,
    scene: WECHAT_SCENE_CHAT,
    openid,
  });
  const base = platformBase(env, "wechat");
  const body = await withToken(env, "wechat", (token) =>
    post(env, `${base}/wxa/media_check_async?${new URLSearchParams({ access_token: token })}`, payload, {
      "content-type": "application/json",
    }),
  );
  const errcode = Number(body.errcode ?? 0);
  if (errcode !== 0) throw new SecCheckUnavailable(`the picture check refused (errcode ${errcode})`);
  if (typeof body.trace_id !== "string" || body.trace_id === "") throw new SecCheckUnavailable("the picture check gave no trace_id");
  return body.trace_id;
}

/** QQ's synchronous ImgSecCheck: "pass" or "risky". Throws SecCheckUnavailable. */
export async function qqImageCheck(env: Env, bytes: Uint8Array, contentType: string): Promise<"pass" | "risky"> {
  const { appid } = platformCredentials(env, "qq");
  const base = platformBase(env, "qq");
  const body = await withToken(env, "qq", (token) => {
    const form = new FormData();
    form.set("appid", appid);
    form.set("media", new Blob([bytes], { type: contentType }), "image");
    return post(env, `${base}/api/json/security/ImgSecCheck?${new URLSearchParams({ access_token: token })}`, form);
  });
  const errcode = Number(body.errcode ?? 0);
  if (errcode === RISKY_ERRCODE) return "risky";
  if (errcode !== 0) throw new SecCheckUnavailable(`the picture check refused (errcode ${errcode})`);
  return "pass";
}
