// The chat's message list as pure functions: merge what the server sends (history, live
// messages, acks) into what the phone already shows, without losing or doubling anything.
// Each takes a list and returns the next one; the list itself lives in chat-state.ts, which
// calls these (this file knows nothing of the state around the list).
import { RECALL_WINDOW_MS, type HistoryMessage, type RoomServerFrame } from "./protocol";

/** A picture message: `url` is the server's signed link (null until passed); `localPath` this phone's file. */
export interface ChatImage {
  id: string;
  url: string | null;
  width: number;
  height: number;
  localPath?: string;
}

export interface ChatMessage {
  /** Stable render key: the clientId for messages sent from this phone, else the server id. */
  key: string;
  id: string | null;
  seq: number | null;
  clientId: string | null;
  from: "me" | "partner";
  text: string;
  at: number;
  status: "sent" | "pending" | "failed";
  /** From an earlier meeting with the same partner (shown above "以前的聊天"). */
  earlier: boolean;
  /** Why a failed message failed, in Chinese. */
  error: string | null;
  /** A failed message the user may resend (false: the server refused its content for good). */
  retryable: boolean;
  /** Absent: text. "recalled": withdrawn by its sender (shown as a grey line). */
  kind?: "text" | "image" | "recalled";
  image?: ChatImage | null;
  /** One's own picture under the platform's check (审核中): the partner does not see it yet. */
  checking?: boolean;
  /** One's own picture still uploading: its progress, 0–100 (absent once uploaded). */
  uploading?: number;
}

/** The server's view of a message, as far as pictures and recall go. */
function shape(h: Pick<HistoryMessage, "kind" | "image" | "pending">, local?: ChatImage | null): Pick<ChatMessage, "kind" | "image" | "checking"> {
  if (h.kind === "recalled") return { kind: "recalled", image: null, checking: false };
  if (h.kind === "image" && h.image) {
    return { kind: "image", image: { ...h.image, ...(local?.localPath ? { localPath: local.localPath } : {}) }, checking: h.pending === true };
  }
  return { kind: "text", image: null, checking: false };
}

/** Server messages first, in seq order; then this phone's unsent ones, in the order typed. */
function ordered(list: ChatMessage[]): ChatMessage[] {
  const sent = list.filter((m) => m.seq !== null).sort((a, b) => (a.seq as number) - (b.seq as number));
  const unsent = list.filter((m) => m.seq === null);
  return [...sent, ...unsent];
}

/**
 * Adds server messages that are not shown yet; a message already present (same id or seq) is kept
 * as is. One's own stored message (it carries its clientId) replaces the pending or failed local
 * copy with that clientId, in place, so an ack lost with a socket never leaves two bubbles.
 */
export function mergeServerMessages(list: ChatMessage[], incoming: readonly HistoryMessage[], earlier: boolean): ChatMessage[] {
  const ids = new Set(list.map((m) => m.id).filter((id) => id !== null));
  const seqs = new Set(list.map((m) => m.seq).filter((seq) => seq !== null));
  const added: ChatMessage[] = [];
  let current = list;
  for (const h of incoming) {
    if (ids.has(h.id) || seqs.has(h.seq)) {
      // Already shown: a recall or a fresh picture link still applies.
      const shown = current.find((m) => m.id === h.id);
      if (shown && (h.kind === "recalled" ? shown.kind !== "recalled" : h.image?.url && h.image.url !== shown.image?.url)) {
        const updated = { ...shown, ...shape(h, shown.image), text: h.kind === "recalled" ? "" : shown.text };
        current = current.map((m) => (m === shown ? updated : m));
      }
      continue;
    }
    ids.add(h.id);
    seqs.add(h.seq);
    const local = h.clientId ? current.find((m) => m.clientId === h.clientId && m.status !== "sent") : undefined;
    if (local) {
      const stored: ChatMessage = { ...local, ...shape(h, local.image), id: h.id, seq: h.seq, at: h.at, status: "sent", error: null, retryable: true };
      current = current.map((m) => (m === local ? stored : m));
      continue;
    }
    added.push({
      key: `s:${h.id}`,
      id: h.id,
      seq: h.seq,
      clientId: h.clientId ?? null,
      from: h.from,
      text: h.text,
      at: h.at,
      status: "sent",
      earlier,
      error: null,
      retryable: true,
      ...shape(h),
    });
  }
  if (added.length === 0 && current === list) return list;
  return ordered([...current, ...added]);
}

/**
 * Marks the message with this clientId as sent. If the server's copy already arrived through
 * a resumed history (the ack was lost with the old socket), the local copy is dropped instead.
 * An ack for an unknown or already-sent clientId changes nothing.
 */
export function applyAck(
  list: ChatMessage[],
  ack: { clientId: string; id: string; seq: number; at: number; pending?: true },
): ChatMessage[] {
  const local = list.find((m) => m.clientId === ack.clientId);
  if (!local || local.status === "sent") return list;
  if (list.some((m) => m !== local && (m.id === ack.id || m.seq === ack.seq))) {
    return list.filter((m) => m !== local);
  }
  return ordered(
    list.map((m) =>
      m === local ? { ...m, id: ack.id, seq: ack.seq, at: ack.at, status: "sent" as const, error: null, retryable: true, checking: ack.pending === true } : m,
    ),
  );
}

/** Message `id` was recalled (by either side): its content goes, a grey line stays. */
export function applyRecalled(list: ChatMessage[], id: string): ChatMessage[] {
  if (!list.some((m) => m.id === id && m.kind !== "recalled")) return list;
  return list.map((m) => (m.id === id ? { ...m, kind: "recalled" as const, text: "", image: null, checking: false } : m));
}

/** Lines for a picture the check refused or never answered (no retry: upload another). */
export const IMAGE_REJECTED_LINE = "图片未通过审核";
export const IMAGE_EXPIRED_LINE = "图片审核超时，请重新发送";

/** The check of one's own picture ended: shown (with its link) or failed. */
export function applyImageStatus(list: ChatMessage[], frame: Extract<RoomServerFrame, { type: "image_status" }>): ChatMessage[] {
  const m = list.find((x) => x.id === frame.id || (x.clientId !== null && x.clientId === frame.clientId));
  if (!m) return list;
  const next: ChatMessage =
    frame.status === "passed"
      ? { ...m, checking: false, image: frame.image ? { ...frame.image, ...(m.image?.localPath ? { localPath: m.image.localPath } : {}) } : m.image }
      : { ...m, checking: false, status: "failed", retryable: false, error: frame.status === "rejected" ? IMAGE_REJECTED_LINE : IMAGE_EXPIRED_LINE };
  return list.map((x) => (x === m ? next : x));
}

/** This phone's message sent (or being sent) under `clientId`. */
export function messageWithClientId(list: readonly ChatMessage[], clientId: string): ChatMessage | undefined {
  return list.find((m) => m.clientId === clientId);
}

/** The message under `clientId` with `patch` applied. */
export function patchMessage(list: ChatMessage[], clientId: string, patch: Partial<ChatMessage>): ChatMessage[] {
  return list.map((m) => (m.clientId === clientId ? { ...m, ...patch } : m));
}

/** The highest stored seq in `list`, and never below `floor`. */
export function highestSeq(list: readonly ChatMessage[], floor: number): number {
  let seq = floor;
  for (const m of list) if (m.seq !== null && m.seq > seq) seq = m.seq;
  return seq;
}

/** Whether this phone may offer 撤回 on `m` now (the server checks again). */
export function canRecall(m: ChatMessage, now: number): boolean {
  return m.from === "me" && m.status === "sent" && m.id !== null && m.kind !== "recalled" && now - m.at <= RECALL_WINDOW_MS;
}
