// Every way into a chat passes the same gates (profile, 年满18周岁 on this phone, 社区规范) and
// lands where the person meant: a topic starts a match, a room (a subscribe message's page)
// resumes that conversation. Pages pass the target along the gates in their query.
import type { KeyValueStorage } from "./api";
import { adultConfirmed, hasProfile, rulesAccepted } from "./prefs";

/** Where a chat page should go: a new match on a topic, or an existing conversation. */
export type ChatTarget = { topic: string } | { room: string };

/** The target a page was opened with (`?room=` wins over `?topic=`), or null. */
export function targetOf(query: Record<string, string | undefined> = {}): ChatTarget | null {
  if (query.room) return { room: decodeURIComponent(query.room) };
  if (query.topic) return { topic: decodeURIComponent(query.topic) };
  return null;
}

/** "room=…" or "topic=…", for a page's query. */
export function targetQuery(target: ChatTarget): string {
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
