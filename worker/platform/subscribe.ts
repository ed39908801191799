import type { Env } from "../env";
import type { Platform, SubscribeKind } from "../protocol";
import { withAccessToken } from "./access-token";
import { platformBase, platformFetch } from "./api";

// Sending one subscribe message (订阅消息): WeChat subscribeMessage.send, QQ
// SendSubscriptionMessage. The template ids are configuration; the template's fields must be a
// short thing (thing1 / keyword1) and a time (time2 / keyword2), see docs/launch.md.

export type SendResult = "sent" | "refused" | "failed";

/** The person did not subscribe (or the consent is used up). */
const REFUSED_ERRCODE = 43101;

const TEXT: Record<SubscribeKind, string> = { matched: "匹配成功", reply: "对方回复了你" };

export function templateId(env: Env, platform: Platform, kind: SubscribeKind): string | undefined {
  const id =
    platform === "wechat"
      ? kind === "matched"
        ? env.WECHAT_TEMPLATE_MATCHED
        : env.WECHAT_TEMPLATE_REPLY
      : kind === "matched"
        ? env.QQ_TEMPLATE_MATCHED
        : env.QQ_TEMPLATE_REPLY;
  return id?.trim() || undefined;
}

/** "2026-11-26 18:30" in China Standard Time, as the templates' time field shows it. */
export function chinaTime(at: number): string {
  return new Date(at + 8 * 3600_000).toISOString().slice(0, 16).replace("T", " ");
}

/** The page a message opens: the chat page with the conversation, so a tap resumes that chat. */
export function subscribePage(env: Env, roomId: string | undefined): string {
  const page = env.SUBSCRIBE_PAGE?.trim() || "pages/chat/index";
  return roomId ? `${page}${page.includes("?") ? "&" : "?"}room=${encodeURIComponent(roomId)}` : page;
}

function payload(env: Env, platform: Platform, kind: SubscribeKind, openid: string, template: string, at: number, roomId?: string) {
  const page = subscribePage(env, roomId);
  if (platform === "wechat") {
    return {
      touser: openid,
      template_id: template,
      page,
      miniprogram_state: env.WECHAT_MINIPROGRAM_STATE?.trim() || "formal",
      lang: "zh_CN",
      data: { thing1: { value: TEXT[kind] }, time2: { value: chinaTime(at) } },
    };
  }
  return {
    touser: openid,
    template_id: template,
    page,
    data: { keyword1: { value: TEXT[kind] }, keyword2: { value: chinaTime(at) } },
  };
}

/** Sends one message; never throws (a notice that cannot go is not worth failing anything for). */
export async function sendSubscribeMessage(
  env: Env,
  platform: Platform,
  kind: SubscribeKind,
  openid: string,
  template: string,
  at: number,
  roomId?: string,
): Promise<SendResult> {
  const path = platform === "wechat" ? "/cgi-bin/message/subscribe/send" : "/api/json/subscribe/SendSubscriptionMessage";
  const body = payload(env, platform, kind, openid, template, at, roomId);
  try {
    const answer = await withAccessToken(env, platform, (token) =>
      platformFetch(env, `${platformBase(env, platform)}${path}?${new URLSearchParams({ access_token: token })}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
    const errcode = Number(answer.errcode ?? 0);
    if (errcode === 0) return "sent";
    return errcode === REFUSED_ERRCODE ? "refused" : "failed";
  } catch {
    return "failed";
  }
}
