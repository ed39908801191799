// The chat's message list as pure functions: merge what the server sends (history, live
// messages, acks) into what the phone already shows, without losing or doubling anything.
import type { HistoryMessage } from "./protocol";

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
    if (ids.has(h.id) || seqs.has(h.seq)) continue;
    ids.add(h.id);
    seqs.add(h.seq);
    const local = h.clientId ? current.find((m) => m.clientId === h.clientId && m.status !== "sent") : undefined;
    if (local) {
      const stored: ChatMessage = { ...local, id: h.id, seq: h.seq, at: h.at, status: "sent", error: null, retryable: true };
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
  ack: { clientId: string; id: string; seq: number; at: number },
): ChatMessage[] {
  const local = list.find((m) => m.clientId === ack.clientId);
  if (!local || local.status === "sent") return list;
  if (list.some((m) => m !== local && (m.id === ack.id || m.seq === ack.seq))) {
    return list.filter((m) => m !== local);
  }
  return ordered(
    list.map((m) => (m === local ? { ...m, id: ack.id, seq: ack.seq, at: ack.at, status: "sent" as const, error: null, retryable: true } : m)),
  );
}
