// Every way into a chat passes the same gates (profile, 年满18周岁 on this phone, 社区规范) and
// lands where the person meant: a topic starts a match, a room (a subscribe message's page)
// resumes that conversation. Pages pass the target along the gates in their query.
import type { KeyValueStorage } from "./api";
import { adultConfirmed, hasProfile, rulesAccepted } from "./prefs";

/** Where a chat page should go: a new match on a topic, an existing conversation, or a kept chat (我的聊天). */
export type ChatTarget = { topic: string } | { room: string } | { chat: string; alias: string };

/** The target a page was opened with (`?chat=`, then `?room=`, then `?topic=`), or null. */
export function targetOf(query: Record<string, string | undefined> = {}): ChatTarget | null {
  if (query.chat) return { chat: decodeURIComponent(query.chat), alias: decodeURIComponent(query.alias ?? "") };
  if (query.room) return { room: decodeURIComponent(query.room) };
  if (query.topic) return { topic: decodeURIComponent(query.topic) };
  return null;
}

/** "chat=…&alias=…", "room=…" or "topic=…", for a page's query. */
export function targetQuery(target: ChatTarget): string {
  if ("chat" in target) return `chat=${encodeURIComponent(target.chat)}&alias=${encodeURIComponent(target.alias)}`;
  return "room" in target ? `room=${encodeURIComponent(target.room)}` : `topic=${encodeURIComponent(target.topic)}`;
}

export function chatUrl(target: ChatTarget): string {
  return `/pages/chat/index?${targetQuery(target)}`;
}

/** The first gate this phone has not passed on the way to `target`, as a page url; null: none left. */
export function gateUrl(storage: KeyValueStorage, target: ChatTarget): string | null {
  const q = targetQuery(target);
  if (!hasProfile(storage)) return `/pages/profile/index?first=1&adult=1&${q}`;
  if (!adultConfirmed(storage)) return `/pages/profile/index?adult=1&${q}`;
  if (!rulesAccepted(storage)) return `/pages/rules/index?${q}`;
  return null;
}

/** After a gate: the next gate, or the chat itself. */
export function nextUrl(storage: KeyValueStorage, target: ChatTarget): string {
  return gateUrl(storage, target) ?? chatUrl(target);
}

export const TOPICS_PAGE = "/pages/topics/index";
