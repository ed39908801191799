// The care check: did a person write that they want to hurt themselves? Only their OWN recent
// messages are looked at (never the partner's), nothing is stored about it, and the answer only
// decides whether that person sees a card with help lines (room/care.ts).
//
// The phrase list comes first, always: it is the fallback when no model is configured, and with a
// model it is the cue that a classification is worth its cost (the daily budget is shared with
// triage). With a model, Llama Guard's S11 (Suicide & Self-Harm) on the writer's last few messages
// decides; when the model fails or the budget is spent, the phrase decides (a help card shown in
// error costs little). A flagged message the triage model finds S11 in also shows the card.
import type { Env } from "../env";
import type { CareHotline } from "../protocol";
import type { GuardResult } from "./llama-guard";
import { normalizeForFilter } from "./normalize";
import { classifyWithinBudget, safetyModel } from "./triage";

/**
 * Words of self-harm intent, matched after normalizeForFilter (simplified, no spaces or punctuation).
 * Short on purpose: documented in docs/privacy.md; "笑死"/"热死了" style idioms are not on it.
 */
export const SELF_HARM_PHRASES = [
  "不想活",
  "活不下去",
  "活着没意思",
  "活着没有意义",
  "想死",
  "去死吧我",
  "自杀",
  "轻生",
  "割腕",
  "跳楼",
  "结束生命",
  "结束自己",
  "安眠药",
  "遗书",
] as const;

/** Messages of the writer's own the model may read on this path. */
export const CARE_OWN_MESSAGES = 5;

export const NATIONAL_HOTLINE: CareHotline = { name: "全国心理援助热线", phone: "12356" };

export function mentionsSelfHarm(text: string): boolean {
  const folded = normalizeForFilter(text);
  return SELF_HARM_PHRASES.some((p) => folded.includes(p));
}

/** 12356 first, then the operator's CARE_HOTLINES ("名称:号码;名称:号码"; malformed entries skipped). */
export function careHotlines(env: Env): CareHotline[] {
  const extra = (env.CARE_HOTLINES ?? "")
    .split(";")
    .map((entry) => entry.split(/[:：]/).map((part) => part.trim()))
    .filter((parts): parts is [string, string] => parts.length === 2 && parts[0] !== "" && /^[0-9][0-9-]{2,19}$/.test(parts[1]))
    .map(([name, phone]) => ({ name: name.slice(0, 30), phone }));
  return [NATIONAL_HOTLINE, ...extra];
}

export function saysSelfHarm(result: GuardResult | null): boolean {
  return result !== null && result.ok && !result.safe && result.hazards.includes("S11");
}

/**
 * Whether the writer should see the card, given their latest text and their own recent texts
 * (oldest first, the latest included). No phrase: no (and no model call).
 */
export async function needsCare(env: Env, latest: string, ownRecent: readonly string[]): Promise<boolean> {
  if (!mentionsSelfHarm(latest)) return false;
  const ai = safetyModel(env);
  if (!ai) return true;
  const lines = ownRecent.slice(-CARE_OWN_MESSAGES).map((text) => ({ side: "writer" as const, text }));
  const result = await classifyWithinBudget(env, ai, lines);
  if (result === null || !result.ok) return true;
  return saysSelfHarm(result);
}
