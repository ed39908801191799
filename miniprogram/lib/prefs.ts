// What stays on the phone only: the profile shown to the user themself, and the last topic picked.
import type { KeyValueStorage } from "./api";

export interface Profile {
  avatarUrl: string;
  nickname: string;
}

const PROFILE_KEY = "onechat.profile";
const TOPIC_KEY = "onechat.topic";
const RULES_KEY = "onechat.rulesAccepted";
/** Bump when the community rules change in substance: everyone accepts them again. */
export const RULES_VERSION = 1;
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
  storage.set(PROFILE_KEY, { avatarUrl: profile.avatarUrl, nickname: profile.nickname.trim() });
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
