import type { Env } from "../env";
import { withAccessToken } from "./access-token";
import { platformBase, platformCredentials, platformFetch, platformUnavailable } from "./api";

// The platforms' picture checks. WeChat: security.mediaCheckAsync v2 — the platform fetches the
// picture from a URL we give it and answers later through the message push (worker/http/push.ts),
// matched by trace_id. QQ: ImgSecCheck, synchronous, with the bytes in the request.
// Neither the openid nor the picture is ever logged.

/** WeChat's scene for comments and chat-like exchanges (as for the text check). */
const WECHAT_SCENE_CHAT = 2;
const MEDIA_TYPE_IMAGE = 2;
const RISKY_ERRCODE = 87014;

/**
 * Asks WeChat to check the picture at `mediaUrl` (which must stay fetchable until the answer) for
 * the sender `openid`. Returns the trace_id the push will carry. Throws platform_unavailable.
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
  const body = await withAccessToken(env, "wechat", (token) =>
    platformFetch(env, `${base}/wxa/media_check_async?${new URLSearchParams({ access_token: token })}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: payload,
    }),
  );
  const errcode = Number(body.errcode ?? 0);
  if (errcode !== 0) throw platformUnavailable(`the picture check refused (errcode ${errcode})`);
  if (typeof body.trace_id !== "string" || body.trace_id === "") throw platformUnavailable("the picture check gave no trace_id");
  return body.trace_id;
}

/** QQ's synchronous ImgSecCheck: "pass" or "risky". Throws platform_unavailable. */
export async function qqImageCheck(env: Env, bytes: Uint8Array, contentType: string): Promise<"pass" | "risky"> {
  const { appid } = platformCredentials(env, "qq");
  const base = platformBase(env, "qq");
  const body = await withAccessToken(env, "qq", (token) => {
    const form = new FormData();
    form.set("appid", appid);
    form.set("media", new Blob([bytes], { type: contentType }), "image");
    return platformFetch(env, `${base}/api/json/security/ImgSecCheck?${new URLSearchParams({ access_token: token })}`, {
      method: "POST",
      body: form,
    });
  });
  const errcode = Number(body.errcode ?? 0);
  if (errcode === RISKY_ERRCODE) return "risky";
  if (errcode !== 0) throw platformUnavailable(`the picture check refused (errcode ${errcode})`);
  return "pass";
}
