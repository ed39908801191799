// What the chat screen draws, and who hears about it: the one ChatState the client keeps,
// replaced (never mutated) on each change and handed to every subscriber, plus short notices.
// The store owns the message list: every change to it goes through the methods below, which
// compute the next list with message-list.ts's pure functions (that file never sees the store).
import { errorMessage } from "./errors";
import {
  applyAck,
  applyImageStatus,
  applyRecalled,
  highestSeq,
  mergeServerMessages,
  messageWithClientId,
  patchMessage,
  type ChatMessage,
} from "./message-list";
import type { CareHotline, HistoryMessage, RoomServerFrame } from "./protocol";

export type Phase = "idle" | "connecting" | "waiting" | "chatting" | "ended";
/**
 * "reported" / "blocked": this user reported or blocked the partner; they will not meet again.
 * "failed": a failure retrying cannot fix (banned, refused room, no valid ticket); see `failure`.
 */
export type EndReason = "partner_left" | "ended" | "replaced" | "reported" | "blocked" | "failed";

export interface ChatState {
  phase: Phase;
  /** The current socket (lobby or room) is open. */
  connected: boolean;
  /** A reconnect is scheduled or under way after a drop. */
  reconnecting: boolean;
  online: number | null;
  /** The lobby's estimate of the wait (ms), null when it has none. */
  estimateMs: number | null;
  /** The topic wait fell back to anyone (the lobby said so). */
  fallback: boolean;
  /** The opening line both people got with the match; null when reopened from 我的聊天. */
  prompt: string | null;
  /** 保持联系: "pending" after one's own tap (the partner sees nothing), "kept" when both tapped. */
  keep: "none" | "pending" | "kept";
  topic: string | null;
  roomId: string | null;
  partnerAlias: string | null;
  partnerPresence: "online" | "offline" | null;
  partnerTyping: boolean;
  endReason: EndReason | null;
  messages: ChatMessage[];
  lastSeq: number;
  /** With endReason "failed": the error code (banned, forbidden, not_found, ticket_required…). */
  failure: string | null;
  /** The server's care card (help lines) for this person, until they close it; null: none. */
  care: CareHotline[] | null;
}

export interface ChatListener {
  (state: ChatState): void;
}
export interface NoticeListener {
  (notice: { code: string; message: string }): void;
}

function emptyState(): ChatState {
  return {
    phase: "idle",
    connected: false,
    reconnecting: false,
    online: null,
    estimateMs: null,
    fallback: false,
    prompt: null,
    keep: "none",
    topic: null,
    roomId: null,
    partnerAlias: null,
    partnerPresence: null,
    partnerTyping: false,
    endReason: null,
    messages: [],
    lastSeq: 0,
    failure: null,
    care: null,
  };
}

export class ChatStore {
  private current: ChatState = emptyState();
  private readonly listeners = new Set<ChatListener>();
  private readonly noticeListeners = new Set<NoticeListener>();

  get state(): ChatState {
    return this.current;
  }

  subscribe(listener: ChatListener): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }

  onNotice(listener: NoticeListener): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  /** A fresh state (nothing kept from the last chat) with `patch` applied. */
  reset(patch: Partial<ChatState>): void {
    this.current = { ...emptyState(), ...patch };
    this.emit();
  }

  update(patch: Partial<ChatState>): void {
    this.current = { ...this.current, ...patch };
    this.emit();
  }

  /** This phone's message under `clientId`, if it is in the list. */
  message(clientId: string): ChatMessage | undefined {
    return messageWithClientId(this.current.messages, clientId);
  }

  /** A new message from this phone, at the end of the list. */
  addMessage(message: ChatMessage): void {
    this.update({ messages: [...this.current.messages, message] });
  }

  setMessage(clientId: string, patch: Partial<ChatMessage>): void {
    this.setMessages(patchMessage(this.current.messages, clientId, patch));
  }

  /** Server messages (a history page or a live one) merged into the list. */
  mergeServer(incoming: readonly HistoryMessage[], earlier: boolean): void {
    this.setMessages(mergeServerMessages(this.current.messages, incoming, earlier));
  }

  ack(frame: Extract<RoomServerFrame, { type: "ack" }>): void {
    this.setMessages(applyAck(this.current.messages, frame));
  }

  recalled(id: string): void {
    this.setMessages(applyRecalled(this.current.messages, id));
  }

  imageStatus(frame: Extract<RoomServerFrame, { type: "image_status" }>): void {
    this.setMessages(applyImageStatus(this.current.messages, frame));
  }

  notice(code: string): void {
    const message = errorMessage(code);
    for (const l of this.noticeListeners) l({ code, message });
  }

  /** Replaces the message list; lastSeq follows the highest stored seq. */
  private setMessages(messages: ChatMessage[]): void {
    this.update({ messages, lastSeq: highestSeq(messages, this.current.lastSeq) });
  }

  private emit(): void {
    for (const l of this.listeners) l(this.current);
  }
}
