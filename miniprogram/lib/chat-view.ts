// Turns the message list into the rows the chat screen draws: WeChat-style time separators,
// the "以前的聊天" divider between earlier meetings and this one, and the messages.
import type { ChatMessage } from "./message-list";

export type ChatRow =
  | { kind: "time"; key: string; label: string }
  | { kind: "divider"; key: string; label: string }
  | {
      kind: "message";
      key: string;
      mine: boolean;
      text: string;
      status: ChatMessage["status"];
      clientId: string;
      error: string;
      /** A failed message offers 点击重发 (not when its content was refused). */
      retryable: boolean;
      /** The server id, for a report that points at this message ("" while unsent). */
      id: string;
      /** "你撤回了一条消息" / "对方撤回了一条消息" for a recalled message, else "". */
      recalledLine: string;
      /** A picture: what to show (the signed link, else this phone's file), else "". */
      imageUrl: string;
      /** The thumbnail's size in px, the picture's shape kept within THUMB_MAX. */
      thumbWidth: number;
      thumbHeight: number;
      /** One's own picture under the platform's check: show 审核中. */
      checking: boolean;
      /** One's own picture still uploading: "上传中 n%" ("" otherwise). */
      uploadText: string;
      /** When it was stored (ms), for offering 撤回 within the window. */
      at: number;
    };

/** The longer side of a picture thumbnail, in px. */
export const THUMB_MAX = 160;
export const RECALLED_MINE = "你撤回了一条消息";
export const RECALLED_PARTNER = "对方撤回了一条消息";

function thumb(width: number, height: number): { thumbWidth: number; thumbHeight: number } {
  if (width <= 0 || height <= 0) return { thumbWidth: THUMB_MAX, thumbHeight: THUMB_MAX };
  const scale = Math.min(1, THUMB_MAX / Math.max(width, height));
  return { thumbWidth: Math.max(1, Math.round(width * scale)), thumbHeight: Math.max(1, Math.round(height * scale)) };
}

/** A new time separator after this much silence, as WeChat does. */
export const TIME_GAP_MS = 5 * 60_000;
/** Sits between the earlier meetings (above it) and this one (below it). */
export const EARLIER_LABEL = "以上是以前的聊天";

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

/** "14:05" today, "昨天 14:05", "3月2日 14:05" this year, else "2024年3月2日 14:05". */
export function timeLabel(at: number, now: number): string {
  const d = new Date(at);
  const today = new Date(now);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const startOfToday = new Date(today.getFullYear(), today.getMonth(), today.getDate()).getTime();
  if (at >= startOfToday) return hm;
  if (at >= startOfToday - 86_400_000) return `昨天 ${hm}`;
  if (d.getFullYear() === today.getFullYear()) return `${d.getMonth() + 1}月${d.getDate()}日 ${hm}`;
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日 ${hm}`;
}

export function buildRows(messages: readonly ChatMessage[], now: number): ChatRow[] {
  const rows: ChatRow[] = [];
  let lastAt: number | null = null;
  let dividerShown = false;
  const hasEarlier = messages.some((m) => m.earlier);
  for (const m of messages) {
    if (hasEarlier && !m.earlier && !dividerShown) {
      rows.push({ kind: "divider", key: "divider", label: EARLIER_LABEL });
      dividerShown = true;
      lastAt = null;
    }
    if (lastAt === null || m.at - lastAt >= TIME_GAP_MS) {
      rows.push({ kind: "time", key: `t:${m.key}`, label: timeLabel(m.at, now) });
    }
    lastAt = m.at;
    rows.push({
      kind: "message",
      key: m.key,
      mine: m.from === "me",
      text: m.text,
      status: m.status,
      clientId: m.clientId ?? "",
      error: m.error ?? "",
      retryable: m.status === "failed" && m.retryable,
      id: m.id ?? "",
      recalledLine: m.kind === "recalled" ? (m.from === "me" ? RECALLED_MINE : RECALLED_PARTNER) : "",
      imageUrl: m.kind === "image" && m.image ? (m.image.url ?? m.image.localPath ?? "") : "",
      ...(m.kind === "image" && m.image ? thumb(m.image.width, m.image.height) : { thumbWidth: 0, thumbHeight: 0 }),
      checking: m.checking === true,
      uploadText: m.uploading !== undefined && m.status === "pending" ? `上传中 ${m.uploading}%` : "",
      at: m.at,
    });
  }
  // Only earlier messages so far: the divider still marks where this meeting starts.
  if (hasEarlier && !dividerShown) rows.push({ kind: "divider", key: "divider", label: EARLIER_LABEL });
  return rows;
}

function sameRow(a: ChatRow, b: ChatRow): boolean {
  if (a.key !== b.key || a.kind !== b.kind) return false;
  for (const k of Object.keys(b) as Array<keyof ChatRow>) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * The smallest setData for going from `prev` to `next` rows under `field`: one path per changed
 * or appended row, so a new message or an ack sends one row, not the whole chat. Anything else
 * (a row inserted above, one removed) replaces the list.
 */
export function rowPatch(field: string, prev: readonly ChatRow[], next: readonly ChatRow[]): Record<string, unknown> {
  if (next.length < prev.length) return { [field]: next };
  const patch: Record<string, unknown> = {};
  for (let i = 0; i < next.length; i++) {
    const before = prev[i];
    const after = next[i] as ChatRow;
    if (before && before.key !== after.key) return { [field]: next };
    if (!before || !sameRow(before, after)) patch[`${field}[${i}]`] = after;
  }
  return patch;
}
