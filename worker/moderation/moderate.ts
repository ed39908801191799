import { numberVar, type Env } from "../env";
import { AppError } from "../errors";
import { isPlatformUnavailable, platformUnavailable } from "../platform/api";
import { platformSecCheck } from "../platform/sec-check";
import type { LoginPlatform } from "../protocol";
import { filterWords, findFilterWord } from "./word-filter";

// The decision the room takes before storing and relaying a message: the local word filter,
// then (when the platform is configured and the sender can be named to it) the platform's check.

export interface ModerationInput {
  text: string;
  /** The sender's login platform (users.platform). "dev" users get the local filter only. */
  platform: LoginPlatform;
  /** The sender's openid from their check ticket, if they have a valid one. Never stored. */
  openid?: string | null;
}

export interface ModerationResult {
  /** reject: neither stored nor delivered (content_rejected). review: delivered and flagged. */
  verdict: "pass" | "review" | "reject";
  flagged: boolean;
  /** Why it is flagged, for message_flags: the platform asked for review, or it went unchecked. */
  flagReason: "review" | "unchecked" | null;
}

const PASS: ModerationResult = { verdict: "pass", flagged: false, flagReason: null };
const REJECT: ModerationResult = { verdict: "reject", flagged: false, flagReason: null };

/** The platform check's time budget before it counts as down. */
export function moderationBudgetMs(env: Env): number {
  return numberVar(env.MODERATION_TIMEOUT_MS, 800);
}

export function failOpen(env: Env): boolean {
  return env.MODERATION_FAIL_MODE?.trim().toLowerCase() === "open";
}

function platformConfigured(env: Env, platform: LoginPlatform): platform is "wechat" | "qq" {
  if (platform === "wechat") return Boolean(env.WECHAT_APPID && env.WECHAT_SECRET);
  if (platform === "qq") return Boolean(env.QQ_APPID && env.QQ_SECRET);
  return false;
}

/** Runs `work` against a deadline; past it, the check counts as down (the fetch is aborted). */
async function withinBudget<T>(budgetMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(platformUnavailable(`the content check took longer than ${budgetMs} ms`));
    }, budgetMs);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}

/**
 * Decides what happens to one message. Throws AppError(moderation_unavailable, 503) when the
 * platform check is down or slower than MODERATION_TIMEOUT_MS and MODERATION_FAIL_MODE is
 * "closed" (the default); with "open" the message passes the local filter only and is flagged.
 */
export async function moderateMessage(env: Env, input: ModerationInput): Promise<ModerationResult> {
  if (findFilterWord(await filterWords(env.DB), input.text) !== null) return REJECT;

  const { platform } = input;
  if (!platformConfigured(env, platform)) return PASS;
  // msgSecCheck v2 is scoped to a user: without their openid WeChat cannot be asked.
  if (platform === "wechat" && !input.openid) return PASS;

  try {
    const verdict = await withinBudget(moderationBudgetMs(env), (signal) =>
      platformSecCheck(env, platform, input.text, input.openid ?? undefined, signal),
    );
    if (verdict === "risky") return REJECT;
    if (verdict === "review") return { verdict: "review", flagged: true, flagReason: "review" };
    return PASS;
  } catch (error) {
    if (!isPlatformUnavailable(error)) throw error;
    if (failOpen(env)) return { verdict: "review", flagged: true, flagReason: "unchecked" };
    throw new AppError("moderation_unavailable", "The content check is unavailable; try again shortly", 503);
  }
}

/** The socket error for a rejected message, so every caller words it the same. */
export const CONTENT_REJECTED_MESSAGE = "This message was not sent: it breaks the community rules";
