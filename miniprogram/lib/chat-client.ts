// The protocol client: lobby → matched → room, resume with `after`, acks by clientId, retries
// with the same clientId, a merged message list, reconnect with backoff, reporting the partner.
// No wx here: sockets,
// timers and tokens come in from outside, so the same code runs in the mini program, in unit
// tests against a fake socket, and in Node against the real worker.
import { ChatError, errorMessage } from "./errors";
import { mergeServerMessages, applyAck } from "./message-list";
import type { ChatMessage } from "./message-list";
import {
  CLOSE_ENDED,
  CLOSE_NORMAL,
  CLOSE_REPLACED,
  PING_FRAME,
  PONG_FRAME,
  TEXT_MAX,
  textLength,
  type ErrorCode,
  type LobbyClientFrame,
  type LobbyServerFrame,
  type RoomClientFrame,
  type RoomServerFrame,
} from "./protocol";

export type { ChatMessage } from "./message-list";

export interface SocketHandlers {
  onOpen(): void;
  onMessage(data: string): void;
  onClose(code: number, reason: string): void;
  onError(message: string): void;
}
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
/** Opens a WebSocket to `url` authenticated with `token` (Bearer header or `?token=`). */
export type SocketFactory = (url: string, token: string, handlers: SocketHandlers) => SocketLike;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

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
}

export interface ChatClientOptions {
  /** ws:// or wss:// origin of the worker, no trailing slash. */
  wsBase: string;
  /** A session token; `fresh` asks for a new login (the last connects failed before opening). */
  getToken(fresh: boolean): Promise<string>;
  /**
   * The login's content-check ticket, asked after getToken for room sockets only (never the
   * lobby); null or absent: connect without one (dev login has none).
   */
  getTicket?(): Promise<string | null>;
  connect: SocketFactory;
  timers?: Timers;
  random?: () => number;
  newClientId?: () => string;
  /** A send that is not acked within this long turns failed (tap to retry). */
  ackTimeoutMs?: number;
  heartbeatMs?: number;
  typingShowMs?: number;
  typingThrottleMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Hidden longer than this: on resume the socket is replaced at once, not trusted. */
  staleAfterHideMs?: number;
}

export interface ChatListener {
  (state: ChatState): void;
}
export interface NoticeListener {
  (notice: { code: string; message: string }): void;
}

/** Server errors that answer a send: they fail the oldest send still waiting on this socket. */
const SEND_ERRORS: ReadonlySet<string> = new Set<ErrorCode>([
  "bad_message",
  "text_too_long",
  "empty_text",
  "content_rejected",
  "moderation_unavailable",
  "rate_limited",
  "frame_too_large",
]);

/** Send errors that resending the same text cannot fix: the failed bubble offers no retry. */
const FINAL_SEND_ERRORS: ReadonlySet<string> = new Set<ErrorCode>(["content_rejected", "text_too_long", "empty_text", "bad_message", "frame_too_large"]);

/** Failures that retrying cannot fix: the client stops and shows them instead of looping. */
const PERMANENT_ERRORS: ReadonlySet<string> = new Set<ErrorCode>(["banned", "blocked_by_platform", "forbidden", "not_found"]);

/** The HTTP status of a refused upgrade, when the platform's error text carries it. */
function refusedStatus(message: string): number | null {
  const m = /\b(40[134])\b/.exec(message);
  return m ? Number(m[1]) : null;
}

/** Server errors that answer a report (a bad reason, or the report could not be filed). */
const REPORT_ERRORS: ReadonlySet<string> = new Set<ErrorCode>(["bad_message", "bad_request", "not_found", "internal"]);

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

function randomClientId(): string {
  let s = Date.now().toString(36);
  for (let i = 0; i < 12; i++) s += Math.floor(Math.random() * 36).toString(36);
  return s;
}

type Channel = "lobby" | "room";

/** A second ticket_required this soon after a fresh login means the login cannot fix it. */
const TICKET_RETRY_WINDOW_MS = 60_000;

/** What a bubble refused for its content says; no retry is offered. */
export const CONTENT_REJECTED_LINE = "未发送：包含不当内容";

function codeOf(err: unknown): string {
  const code = err && typeof err === "object" && "code" in err ? (err as { code: unknown }).code : null;
  return typeof code === "string" ? code : "network";
}

export class ChatClient {
  private readonly opts: Required<Omit<ChatClientOptions, "timers" | "random" | "newClientId" | "getTicket">>;
  private readonly getTicket: () => Promise<string | null>;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly newClientId: () => string;

  private state: ChatState = ChatClient.emptyState();
  private readonly listeners = new Set<ChatListener>();
  private readonly noticeListeners = new Set<NoticeListener>();

  private socket: SocketLike | null = null;
  private channel: Channel | null = null;
  /** Bumped for every socket; handlers of older sockets are ignored. */
  private generation = 0;
  private attempts = 0;
  private failuresBeforeOpen = 0;
  private reconnectTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private typingTimer: unknown = null;
  private lastReceivedAt = 0;
  /** When the last ping went out while nothing has come back since (null: none outstanding). */
  private pingSentAt: number | null = null;
  /** When the app went to the background (null: in the foreground). */
  private hiddenAt: number | null = null;
  /** The next connect logs in again first (ticket_required, or a 401/403 on the upgrade). */
  private freshLogin = false;
  /** The last upgrade was refused with 403. */
  private refused = false;
  /** When ticket_required last sent us to a fresh login; another one soon after is final. */
  private ticketRefreshedAt: number | null = null;
  /** The history pages of this connect are earlier meetings (the first visit), or not. */
  private historyEarlier = false;
  private lastTypingSentAt = -Infinity;
  /** The room sent its first history: later connects resume with `after`. */
  private resumable = false;
  /** A history frame said `more`: the next one continues this connect's history. */
  private paging = false;
  /** clientIds sent on the current room socket and not yet answered, oldest first. */
  private inflight: string[] = [];
  private readonly ackTimers = new Map<string, unknown>();
  /** A report sent on the room socket, waiting for `reported` or an error. */
  private pendingReport: { promise: Promise<void>; settle(err: ChatError | null): void } | null = null;

  constructor(options: ChatClientOptions) {
    this.opts = {
      ackTimeoutMs: 15_000,
      heartbeatMs: 25_000,
      typingShowMs: 5_000,
      typingThrottleMs: 3_000,
      backoffBaseMs: 500,
      backoffMaxMs: 15_000,
      staleAfterHideMs: 5_000,
      ...options,
    };
    this.timers = options.timers ?? defaultTimers;
    this.random = options.random ?? Math.random;
    this.newClientId = options.newClientId ?? randomClientId;
    this.getTicket = options.getTicket ?? (() => Promise.resolve(null));
  }

  private static emptyState(): ChatState {
    return {
      phase: "idle",
      connected: false,
      reconnecting: false,
      online: null,
      topic: null,
      roomId: null,
      partnerAlias: null,
      partnerPresence: null,
      partnerTyping: false,
      endReason: null,
      messages: [],
      lastSeq: 0,
      failure: null,
    };
  }

  get snapshot(): ChatState {
    return this.state;
  }

  subscribe(listener: ChatListener): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  onNotice(listener: NoticeListener): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  // -------------------------------------------------------------------------------------------
  // What the page calls

  /** Joins the lobby (topic null = anyone). */
  start(topic: string | null): void {
    this.teardown();
    this.state = { ...ChatClient.emptyState(), phase: "connecting", topic };
    this.emit();
    void this.open("lobby");
  }

  /** Leaves the waiting queue. */
  cancel(): void {
    if (this.channel === "lobby") this.transmit({ type: "cancel" } satisfies LobbyClientFrame);
    this.teardown();
    this.update({ phase: "idle", connected: false, reconnecting: false });
  }

  /** Leaves the room for good (the partner sees "left"). */
  leave(): void {
    if (this.channel === "room") this.transmit({ type: "leave" } satisfies RoomClientFrame);
    if (this.channel === "lobby") this.transmit({ type: "cancel" } satisfies LobbyClientFrame);
    this.teardown();
    this.update({ phase: "idle", connected: false, reconnecting: false, partnerTyping: false });
  }

  /** "换一个": leave this partner and wait for a new one with the same topic. */
  next(): void {
    const topic = this.state.topic;
    this.leave();
    this.start(topic);
  }

  /** The app went to the background (onHide): remembered so resume() can judge the socket. */
  background(): void {
    this.hiddenAt = this.timers.now();
  }

  /**
   * The app came back to the foreground or the network returned: reconnect now if dropped. A
   * socket kept across a long background, or one whose ping went unanswered, is likely half-open:
   * it is replaced at once (resuming with `after`) instead of waiting for the heartbeat to notice.
   */
  resume(): void {
    const hiddenFor = this.hiddenAt === null ? 0 : this.timers.now() - this.hiddenAt;
    this.hiddenAt = null;
    const { phase } = this.state;
    if (phase === "idle" || phase === "ended") return;
    if (this.socket) {
      const stale = hiddenFor > this.opts.staleAfterHideMs || this.pingSentAt !== null;
      if (!stale || !this.state.connected) return;
      this.closeSocket();
      this.channel = null;
      this.inflight = [];
      this.pendingReport?.settle(new ChatError("network"));
      this.update({ connected: false, partnerTyping: false });
    }
    this.clearReconnect();
    this.attempts = 0;
    void this.open(this.state.roomId ? "room" : "lobby");
  }

  /**
   * Reports the partner over the open room socket. Resolves on the server's `reported` (the pair
   * is blocked; the room is then left for good); rejects with a ChatError: "network" when the
   * room socket is not open or drops before the answer, "timeout" when none comes, or the
   * server's code. On "network"/"timeout" the caller may report over REST instead. `messageId`:
   * the partner's message the report is about (long-press 举报).
   */
  report(reason: string, messageId?: string): Promise<void> {
    if (this.pendingReport) return this.pendingReport.promise;
    const text = reason.trim();
    const frame: RoomClientFrame = messageId ? { type: "report", reason: text, messageId } : { type: "report", reason: text };
    if (this.channel !== "room" || this.state.phase !== "chatting" || !this.transmit(frame)) {
      return Promise.reject(new ChatError("network"));
    }
    let settle!: (err: ChatError | null) => void;
    const promise = new Promise<void>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => settle(new ChatError("timeout")), this.opts.ackTimeoutMs);
      settle = (err) => {
        this.timers.clearTimeout(timer);
        this.pendingReport = null;
        if (err) reject(err);
        else resolve();
      };
    });
    this.pendingReport = { promise, settle };
    return promise;
  }

  /** After a report or block made over REST: leave the room for good (the partner sees "left"). */
  endBlocked(reason: "reported" | "blocked"): void {
    if (this.state.roomId === null) return;
    if (this.channel === "room") this.transmit({ type: "leave" } satisfies RoomClientFrame);
    this.end(reason);
  }

  /** Queues a message; returns false (with a notice) when it cannot be sent at all. */
  send(rawText: string): boolean {
    const text = rawText.trim();
    if (this.state.phase !== "chatting") return false;
    if (text.length === 0) {
      this.notice("empty_text");
      return false;
    }
    if (textLength(text) > TEXT_MAX) {
      this.notice("text_too_long");
      return false;
    }
    const clientId = this.newClientId();
    const message: ChatMessage = {
      key: `c:${clientId}`,
      id: null,
      seq: null,
      clientId,
      from: "me",
      text,
      at: this.timers.now(),
      status: "pending",
      earlier: false,
      error: null,
      retryable: true,
    };
    this.update({ messages: [...this.state.messages, message] });
    this.dispatch(clientId);
    return true;
  }

  /** Tap-to-retry on a failed message: same clientId, so the server never stores it twice. */
  retry(clientId: string): void {
    const m = this.state.messages.find((x) => x.clientId === clientId);
    if (!m || m.status !== "failed" || !m.retryable || this.state.phase !== "chatting") return;
    this.setMessage(clientId, { status: "pending", error: null });
    this.dispatch(clientId);
  }

  /** The user is typing: tells the partner, at most once per throttle window. */
  typing(): void {
    if (this.channel !== "room" || !this.state.connected || this.state.phase !== "chatting") return;
    const now = this.timers.now();
    if (now - this.lastTypingSentAt < this.opts.typingThrottleMs) return;
    this.lastTypingSentAt = now;
    this.transmit({ type: "typing" } satisfies RoomClientFrame);
  }

  // -------------------------------------------------------------------------------------------
  // Sockets

  private async open(channel: Channel): Promise<void> {
    this.closeSocket();
    const gen = ++this.generation;
    this.channel = channel;
    this.paging = false;
    let token: string;
    const fresh = this.freshLogin || this.failuresBeforeOpen >= 2;
    this.freshLogin = false;
    try {
      token = await this.opts.getToken(fresh);
    } catch (err) {
      if (gen !== this.generation) return;
      this.channel = null;
      if (PERMANENT_ERRORS.has(codeOf(err))) return this.failPermanently(codeOf(err));
      // One toast per outage, not one per backoff step.
      if (this.attempts === 0) this.notice(codeOf(err));
      this.scheduleReconnect();
      return;
    }
    if (gen !== this.generation) return;
    let ticket: string | null = null;
    if (channel === "room") {
      // A missing ticket only means no platform content check for this socket's sends.
      ticket = await this.getTicket().catch(() => null);
      if (gen !== this.generation) return;
    }
    const url = channel === "lobby" ? this.lobbyUrl() : this.roomUrl(ticket);
    const handlers: SocketHandlers = {
      onOpen: () => gen === this.generation && this.handleOpen(),
      onMessage: (data) => gen === this.generation && this.handleFrame(channel, data),
      onClose: (code) => gen === this.generation && this.handleClose(channel, code),
      // Some platforms report a failed handshake only as an error: treat it as a drop, unless its
      // text names a refusal (401: log in again; 403/404: this socket will never be let in).
      onError: (message) => gen === this.generation && this.handleRefusal(channel, message),
    };
    try {
      this.socket = this.opts.connect(url, token, handlers);
    } catch {
      this.handleClose(channel, 1006);
    }
  }

  private lobbyUrl(): string {
    const topic = this.state.topic;
    return `${this.opts.wsBase}/api/lobby${topic ? `?topic=${encodeURIComponent(topic)}` : ""}`;
  }

  private roomUrl(ticket: string | null): string {
    const base = `${this.opts.wsBase}/api/rooms/${encodeURIComponent(this.state.roomId ?? "")}`;
    const params: string[] = [];
    if (this.resumable) params.push(`after=${this.state.lastSeq}`);
    if (ticket) params.push(`ticket=${encodeURIComponent(ticket)}`);
    return params.length ? `${base}?${params.join("&")}` : base;
  }

  private handleOpen(): void {
    this.refused = false;
    this.attempts = 0;
    this.failuresBeforeOpen = 0;
    this.lastReceivedAt = this.timers.now();
    this.pingSentAt = null;
    this.update({ connected: true, reconnecting: false });
    // Both sockets: a silently dead lobby socket would otherwise mean waiting forever.
    this.startHeartbeat();
  }

  private handleRefusal(channel: Channel, message: string): void {
    const status = this.state.connected ? null : refusedStatus(message);
    // 404: the room is gone. 403 twice, the second time after a fresh login that did not say
    // "banned" itself: this socket will never be let in.
    if (status === 404 || (status === 403 && this.refused)) {
      this.closeSocket();
      this.channel = null;
      return this.failPermanently(status === 403 ? "forbidden" : "not_found");
    }
    // 401, or a first 403 (a ban shows up as one): log in again, which names a ban.
    if (status === 401 || status === 403) this.freshLogin = true;
    if (status === 403) this.refused = true;
    this.handleClose(channel, 1006);
  }

  private handleClose(channel: Channel, code: number): void {
    if (!this.state.connected) this.failuresBeforeOpen++;
    this.socket = null;
    this.channel = null;
    this.generation++;
    this.stopHeartbeat();
    this.clearTyping();
    this.inflight = [];
    // Whether the server got the report is unknown; the caller reports over REST instead.
    this.pendingReport?.settle(new ChatError("network"));
    if (code === CLOSE_REPLACED) return this.end("replaced");
    if (channel === "room" && code === CLOSE_ENDED) return this.end("ended");
    this.update({ connected: false, partnerTyping: false });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const { phase } = this.state;
    if (phase === "idle" || phase === "ended") return;
    this.clearReconnect();
    const exp = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** this.attempts);
    const delay = Math.round(exp * (0.5 + this.random() * 0.5));
    this.attempts++;
    this.update({ reconnecting: true, connected: false });
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      void this.open(this.state.roomId ? "room" : "lobby");
    }, delay);
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== null) this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = this.timers.setTimeout(() => {
      this.heartbeatTimer = null;
      if (!this.socket) return;
      // Two silent intervals: the connection is dead even if the phone has not noticed.
      if (this.timers.now() - this.lastReceivedAt > 2 * this.opts.heartbeatMs) {
        const channel = this.channel ?? "room";
        this.closeSocket();
        this.handleClose(channel, 1006);
        return;
      }
      if (this.transmitRaw(PING_FRAME) && this.pingSentAt === null) this.pingSentAt = this.timers.now();
      this.startHeartbeat();
    }, this.opts.heartbeatMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) this.timers.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private closeSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.generation++;
    this.stopHeartbeat();
    if (socket) {
      try {
        socket.close(CLOSE_NORMAL, "bye");
      } catch {
        // already closed
      }
    }
  }

  /** Closes everything and cancels every timer; the message list stays until the next start. */
  private teardown(): void {
    this.closeSocket();
    this.channel = null;
    this.clearReconnect();
    this.clearTyping();
    for (const handle of this.ackTimers.values()) this.timers.clearTimeout(handle);
    this.ackTimers.clear();
    this.inflight = [];
    this.pendingReport?.settle(new ChatError("network"));
    this.attempts = 0;
    this.failuresBeforeOpen = 0;
    this.resumable = false;
    this.freshLogin = false;
    this.refused = false;
    this.ticketRefreshedAt = null;
    this.pingSentAt = null;
  }

  private transmit(frame: LobbyClientFrame | RoomClientFrame): boolean {
    return this.transmitRaw(JSON.stringify(frame));
  }

  private transmitRaw(data: string): boolean {
    if (!this.socket || !this.state.connected) return false;
    try {
      this.socket.send(data);
      return true;
    } catch {
      return false;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Frames

  private handleFrame(channel: Channel, data: string): void {
    this.lastReceivedAt = this.timers.now();
    this.pingSentAt = null;
    if (data === PONG_FRAME) return;
    let frame: LobbyServerFrame | RoomServerFrame;
    try {
      frame = JSON.parse(data) as LobbyServerFrame | RoomServerFrame;
    } catch {
      return;
    }
    if (!frame || typeof frame !== "object" || typeof frame.type !== "string") return;
    if (channel === "lobby") this.handleLobbyFrame(frame as LobbyServerFrame);
    else this.handleRoomFrame(frame as RoomServerFrame);
  }

  private handleLobbyFrame(frame: LobbyServerFrame): void {
    switch (frame.type) {
      case "waiting":
        this.update({ phase: "waiting", online: frame.online });
        return;
      case "matched":
        this.closeSocket();
        this.channel = null;
        this.resumable = false;
        this.update({
          phase: "chatting",
          connected: false,
          roomId: frame.roomId,
          partnerAlias: frame.partner.alias,
          topic: frame.topic ?? this.state.topic,
          partnerPresence: null,
          messages: [],
          lastSeq: 0,
        });
        void this.open("room");
        return;
      case "error":
        if (frame.code === "replaced") return this.end("replaced");
        if (PERMANENT_ERRORS.has(frame.code)) return this.failPermanently(frame.code);
        this.notice(frame.code);
        return;
    }
  }

  private handleRoomFrame(frame: RoomServerFrame): void {
    switch (frame.type) {
      case "history": {
        // Later pages of the same connect belong with its first page (earlier meetings or not).
        if (!this.paging) this.historyEarlier = !this.resumable;
        this.resumable = true;
        this.setMessages(mergeServerMessages(this.state.messages, frame.messages, this.historyEarlier));
        // Own messages found stored: their ack is no longer awaited.
        for (const h of frame.messages) if (h.clientId) this.settleSend(h.clientId);
        this.paging = frame.more === true;
        if (this.paging) {
          this.transmit({ type: "history", after: this.state.lastSeq } satisfies RoomClientFrame);
          return;
        }
        // Anything still waiting for an ack goes again with its clientId (the server dedupes),
        // except what this socket already carried before its history arrived.
        for (const m of this.state.messages) {
          if (m.status === "pending" && m.clientId && !this.inflight.includes(m.clientId)) this.dispatch(m.clientId);
        }
        return;
      }
      case "presence":
        this.update({ partnerPresence: frame.partner });
        return;
      case "ack": {
        // Sends work on this socket: a later ticket_required may log in afresh again.
        this.ticketRefreshedAt = null;
        this.settleSend(frame.clientId);
        this.setMessages(applyAck(this.state.messages, frame));
        return;
      }
      case "message":
        this.clearTyping();
        this.setMessages(mergeServerMessages(this.state.messages, [frame], false));
        this.update({ partnerTyping: false });
        return;
      case "typing":
        this.clearTyping();
        this.typingTimer = this.timers.setTimeout(() => {
          this.typingTimer = null;
          this.update({ partnerTyping: false });
        }, this.opts.typingShowMs);
        this.update({ partnerTyping: true });
        return;
      case "partner_left":
        this.end("partner_left");
        return;
      case "reported": {
        this.pendingReport?.settle(null);
        // The server blocked the pair: this room is over for us; the partner sees "left".
        this.transmit({ type: "leave" } satisfies RoomClientFrame);
        this.end("reported");
        return;
      }
      case "error":
        if (this.pendingReport && REPORT_ERRORS.has(frame.code)) return this.pendingReport.settle(new ChatError(frame.code));
        if (frame.code === "conversation_ended") return this.end("ended");
        if (frame.code === "replaced") return this.end("replaced");
        if (PERMANENT_ERRORS.has(frame.code)) return this.failPermanently(frame.code);
        if (frame.code === "ticket_required") return this.refreshTicket();
        if (SEND_ERRORS.has(frame.code)) {
          // The server names the send; an older server does not, and answers sends in order.
          const clientId = frame.clientId ?? this.inflight[0];
          if (clientId) this.fail(clientId, frame.code);
        }
        this.notice(frame.code);
        return;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  /** Sends one pending message if the room is open and (re)arms its ack timer either way. */
  private dispatch(clientId: string): void {
    const m = this.state.messages.find((x) => x.clientId === clientId);
    if (!m || m.status !== "pending") return;
    const old = this.ackTimers.get(clientId);
    if (old !== undefined) this.timers.clearTimeout(old);
    this.ackTimers.set(
      clientId,
      this.timers.setTimeout(() => {
        this.ackTimers.delete(clientId);
        this.fail(clientId, "timeout");
      }, this.opts.ackTimeoutMs),
    );
    if (this.channel === "room" && this.transmit({ type: "send", clientId, text: m.text })) {
      if (!this.inflight.includes(clientId)) this.inflight.push(clientId);
    }
  }

  /** The send is answered (acked, found stored, or refused): no ack timer, not in flight. */
  private settleSend(clientId: string): void {
    this.inflight = this.inflight.filter((c) => c !== clientId);
    const handle = this.ackTimers.get(clientId);
    if (handle !== undefined) this.timers.clearTimeout(handle);
    this.ackTimers.delete(clientId);
  }

  private fail(clientId: string, code: string): void {
    const m = this.state.messages.find((x) => x.clientId === clientId);
    if (!m || m.status !== "pending") return;
    this.settleSend(clientId);
    const final = FINAL_SEND_ERRORS.has(code);
    const error = code === "content_rejected" ? CONTENT_REJECTED_LINE : errorMessage(code);
    this.setMessage(clientId, { status: "failed", error, retryable: !final });
  }

  /**
   * The room wants a valid check ticket (it expired, or the connect had none): log in again and
   * resume with the fresh one; the refused sends stay pending and go again after the history.
   * When that already happened moments ago with no send getting through since, stop for good.
   */
  private refreshTicket(): void {
    const now = this.timers.now();
    if (this.ticketRefreshedAt !== null && now - this.ticketRefreshedAt < TICKET_RETRY_WINDOW_MS) {
      return this.failPermanently("ticket_required");
    }
    this.ticketRefreshedAt = now;
    this.closeSocket();
    this.channel = null;
    this.inflight = [];
    this.freshLogin = true;
    this.clearReconnect();
    void this.open("room");
  }

  /** Stops for good with a code the page shows as a screen (banned, refused room…). */
  private failPermanently(code: string): void {
    this.update({ failure: code });
    this.end("failed");
  }

  private setMessage(clientId: string, patch: Partial<ChatMessage>): void {
    this.setMessages(this.state.messages.map((m) => (m.clientId === clientId ? { ...m, ...patch } : m)));
  }

  private setMessages(messages: ChatMessage[]): void {
    let lastSeq = this.state.lastSeq;
    for (const m of messages) if (m.seq !== null && m.seq > lastSeq) lastSeq = m.seq;
    this.update({ messages, lastSeq });
  }

  private end(reason: EndReason): void {
    this.closeSocket();
    this.pendingReport?.settle(new ChatError("network"));
    this.channel = null;
    this.clearReconnect();
    this.clearTyping();
    for (const m of this.state.messages) if (m.status === "pending" && m.clientId) this.fail(m.clientId, "conversation_ended");
    this.update({ phase: "ended", endReason: reason, connected: false, reconnecting: false, partnerTyping: false });
    this.freshLogin = false;
    this.ticketRefreshedAt = null;
    if (reason === "replaced") this.notice("replaced");
  }

  private clearTyping(): void {
    if (this.typingTimer !== null) this.timers.clearTimeout(this.typingTimer);
    this.typingTimer = null;
  }

  private notice(code: string): void {
    const message = errorMessage(code);
    for (const l of this.noticeListeners) l({ code, message });
  }

  private update(patch: Partial<ChatState>): void {
    this.state = { ...this.state, ...patch };
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) l(this.state);
  }
}
