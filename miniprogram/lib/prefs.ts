// What stays on the phone only: the profile shown to the user themself, and the last topic picked.
import type { KeyValueStorage } from "./api";

export interface Profile {
  avatarUrl: string;
  nickname: string;
}

const PROFILE_KEY = "onechat.profile";
const TOPIC_KEY = "onechat.topic";
const RULES_KEY = "onechat.rulesAccepted";
const ADULT_KEY = "onechat.adult";
const WELCOMED_KEY = "onechat.welcomed";
/** Bump when the community rules change in substance: everyone accepts them again. */
export const RULES_VERSION = 1;
/** Characters (code points, as every length in the app) a nickname keeps. */
export const NICKNAME_MAX = 20;
/** The "随便聊聊" choice: no topic, anyone. */
export const ANY_TOPIC = "any";

export function loadProfile(storage: KeyValueStorage): Profile {
  const v = storage.get(PROFILE_KEY) as Partial<Profile> | undefined;
  return {
    avatarUrl: typeof v?.avatarUrl === "string" ? v.avatarUrl : "",
    nickname: typeof v?.nickname === "string" ? v.nickname : "",
  };
}

/** The profile was confirmed once: later launches go straight to topics. */
export function hasProfile(storage: KeyValueStorage): boolean {
  const v = storage.get(PROFILE_KEY);
  return !!v && typeof v === "object";
}

export function saveProfile(storage: KeyValueStorage, profile: Profile): void {
  // The input's maxlength is counted by the platform; this is the limit that holds.
  const nickname = Array.from(profile.nickname.trim()).slice(0, NICKNAME_MAX).join("");
  storage.set(PROFILE_KEY, { avatarUrl: profile.avatarUrl, nickname });
}

/** The remembered topic id, or ANY_TOPIC. */
export function loadTopicChoice(storage: KeyValueStorage): string {
  const v = storage.get(TOPIC_KEY);
  return typeof v === "string" && v !== "" ? v : ANY_TOPIC;
}

export function saveTopicChoice(storage: KeyValueStorage, topicId: string): void {
  storage.set(TOPIC_KEY, topicId);
}

/** The user accepted the current community rules (社区规范) on this phone. */
export function rulesAccepted(storage: KeyValueStorage): boolean {
  return storage.get(RULES_KEY) === RULES_VERSION;
}

export function acceptRules(storage: KeyValueStorage): void {
  storage.set(RULES_KEY, RULES_VERSION);
}

/** The person ticked 年满18周岁 on this phone (no birth date is asked or kept). */
export function adultConfirmed(storage: KeyValueStorage): boolean {
  const v = storage.get(ADULT_KEY) as { confirmedAt?: unknown } | undefined;
  return !!v && typeof v === "object" && typeof v.confirmedAt === "number";
}

export function confirmAdult(storage: KeyValueStorage, now = Date.now()): void {
  if (!adultConfirmed(storage)) storage.set(ADULT_KEY, { confirmedAt: now });
}

/** True only the first time it is asked on this phone: "登录成功" greets the first login, once. */
export function firstLogin(storage: KeyValueStorage): boolean {
  if (storage.get(WELCOMED_KEY) === true) return false;
  storage.set(WELCOMED_KEY, true);
  return true;
}
