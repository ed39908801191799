import { recordConsent, takeConsent } from "../db/subscriptions";
import type { UserRow } from "../db/schema";
import type { Env } from "../env";
import { describeError } from "../errors";
import { seal, unseal } from "../platform/sealed";
import { sendSubscribeMessage, templateId } from "../platform/subscribe";
import type { Platform, SubscribeKind } from "../protocol";

// Reaching someone who left the app: one subscribe message ("匹配成功" or "对方回复了你") per
// consent. A consent is one row holding the openid sealed; sending takes (deletes) the row first,
// so one consent gives at most one message, and a new consent needs the person back in the app,
// which makes it at most one per absence. No consent, no template id, or a dev user: nothing sent.
//
// Each message opens the chat page on its conversation (?room=), which resumes that chat.
// The lobby calls notifyAway(env, userId, "matched") when it matches someone whose socket went
// to the background; the room calls notifyAway(env, userId, "reply") when the partner writes
// while that person is away. Both are fire-and-forget (ctx.waitUntil).

/** How long a consent stays usable. A wait is short; a conversation can pause for days. */
export const CONSENT_TTL_MS: Record<SubscribeKind, number> = {
  matched: 60 * 60 * 1000,
  reply: 7 * 24 * 60 * 60 * 1000,
};

const purpose = (kind: SubscribeKind) => `subscribe:${kind}`;

/** Records consents from one wx.requestSubscribeMessage prompt; returns each kind's expiry. */
export async function recordConsents(
  env: Env,
  user: Pick<UserRow, "id">,
  openid: string,
  kinds: SubscribeKind[],
  now: number,
): Promise<{ kind: SubscribeKind; expiresAt: number }[]> {
  const out: { kind: SubscribeKind; expiresAt: number }[] = [];
  for (const kind of new Set(kinds)) {
    const expiresAt = now + CONSENT_TTL_MS[kind];
    const sealedOpenid = await seal(env, purpose(kind), user.id, openid, expiresAt);
    await recordConsent(env.DB, { userId: user.id, kind, sealedOpenid, createdAt: now, expiresAt });
    out.push({ kind, expiresAt });
  }
  return out;
}

export type NotifyResult = "sent" | "no_consent" | "not_configured" | "refused" | "failed";

export async function notifyAway(
  env: Env,
  user: Pick<UserRow, "id" | "platform">,
  kind: SubscribeKind,
  now = Date.now(),
  /** The conversation the message opens (`pages/chat/index?room=…`). */
  roomId?: string,
): Promise<NotifyResult> {
  if (user.platform === "dev") return "no_consent";
  const platform: Platform = user.platform;
  const template = templateId(env, platform, kind);
  if (!template) return "not_configured";
  const consent = await takeConsent(env.DB, user.id, kind, now);
  if (!consent) return "no_consent";
  const openid = await unseal(env, purpose(kind), user.id, consent.sealedOpenid, now);
  if (!openid) return "no_consent";
  try {
    return await sendSubscribeMessage(env, platform, kind, openid, template, now, roomId);
  } catch (error) {
    console.error("subscribe message failed", describeError(error));
    return "failed";
  }
}
