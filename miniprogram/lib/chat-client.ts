// The protocol client: lobby → matched → room, resume with `after`, acks by clientId, retries
// with the same clientId, a merged message list, reconnect with backoff, reporting the partner.
// No wx here: sockets, timers and tokens come in from outside, so the same code runs in the mini
// program, in unit tests against a fake socket, and in Node against the real worker. This file
// reads the frames and composes the parts: the socket (connection.ts), the sends waiting for
// their ack (outbox.ts) and the state the page draws (chat-state.ts).
import { ChatStore, type ChatListener, type ChatState, type EndReason, type NoticeListener } from "./chat-state";
import { Connection, PERMANENT_ERRORS, defaultTimers, type Channel, type SocketFactory, type Timers } from "./connection";
import { ChatError, codeOf, pictureError } from "./errors";
import { applyAck, applyImageStatus, applyRecalled, canRecall, mergeServerMessages, type ChatImage } from "./message-list";
import { Outbox } from "./outbox";
import {
  CLOSE_ENDED,
  CLOSE_REPLACED,
  IMAGE_QUERY_MAX,
  TEXT_MAX,
  textLength,
  type ErrorCode,
  type LobbyClientFrame,
  type LobbyServerFrame,
  type ReportCategory,
  type RoomClientFrame,
  type RoomServerFrame,
} from "./protocol";

export type { ChatMessage } from "./message-list";
export type { ChatListener, ChatState, EndReason, NoticeListener, Phase } from "./chat-state";
export type { SocketFactory, SocketHandlers, SocketLike, Timers } from "./connection";
export { CONTENT_REJECTED_LINE } from "./outbox";

/** Uploads one picture for the room (POST /api/media), reporting progress 0–100. */
export type PictureUpload = (onProgress: (percent: number) => void) => Promise<{ id: string; width: number; height: number }>;

/** Upload refusals that uploading the same file again cannot fix. */
const FINAL_UPLOAD_ERRORS: ReadonlySet<string> = new Set(["payload_too_large", "image_too_large", "unsupported_image", "content_rejected"]);

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
  /** A socket in doubt (network change, a send with no answer for this long) must answer a ping within this long. */
  probeMs?: number;
  /**
   * Asked when the lobby refuses the socket (403): find out why and fix what can be fixed (send
   * the 18+ confirmation again, e.g. after a login as a new account). Rejects with the code that
   * ends the wait: "adult_required", "matching_suspended", "banned"…
   */
  recheckMatching?(): Promise<void>;
  /**
   * 保持联系 when the room socket is gone (the end screen after the partner left): the same tap
   * over REST (`POST /api/chats/:id/keep`). Absent: the tap needs the socket.
   */
  keepOverRest?(roomId: string): Promise<"pending" | "kept">;
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

/** Server errors that answer a report (a bad reason, or the report could not be filed). */
const REPORT_ERRORS: ReadonlySet<string> = new Set<ErrorCode>(["bad_message", "bad_request", "not_found", "internal"]);

/** A second ticket_required this soon after a fresh login means the login cannot fix it. */
const TICKET_RETRY_WINDOW_MS = 60_000;

function randomClientId(): string {
  let s = Date.now().toString(36);
  for (let i = 0; i < 12; i++) s += Math.floor(Math.random() * 36).toString(36);
  return s;
}

export class ChatClient {
  private readonly wsBase: string;
  private readonly timers: Timers;
  private readonly ackTimeoutMs: number;
  private readonly typingShowMs: number;
  private readonly typingThrottleMs: number;
  private readonly recheckMatching: (() => Promise<void>) | null;
  private readonly keepOverRest: ((roomId: string) => Promise<"pending" | "kept">) | null;

  private readonly store = new ChatStore();
  private readonly connection: Connection;
  private readonly outbox: Outbox;

  private typingTimer: unknown = null;
  /** Bumped by every start/cancel/leave, so a late async answer knows its wait is over. */
  private runs = 0;
  private lastTypingSentAt = -Infinity;
  /** When ticket_required last sent us to a fresh login; another one soon after is final. */
  private ticketRefreshedAt: number | null = null;
  /** The history pages of this connect are earlier meetings (the first visit), or not. */
  private historyEarlier = false;
  /** The room sent its first history: later connects resume with `after`. */
  private resumable = false;
  /** A history frame said `more`: the next one continues this connect's history. */
  private paging = false;
  /** The last seq of the history pages received on this connect: the next page starts after it. */
  private pagedSeq = 0;
  /** How each picture still to be uploaded is uploaded (again, on a retry), by clientId. */
  private readonly uploads = new Map<string, PictureUpload>();
  /** A report sent on the room socket, waiting for `reported` or an error. */
  private pendingReport: { promise: Promise<void>; settle(err: ChatError | null): void } | null = null;

  constructor(options: ChatClientOptions) {
    this.wsBase = options.wsBase;
    this.timers = options.timers ?? defaultTimers;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 15_000;
    this.typingShowMs = options.typingShowMs ?? 5_000;
    this.typingThrottleMs = options.typingThrottleMs ?? 3_000;
    this.recheckMatching = options.recheckMatching ?? null;
    this.keepOverRest = options.keepOverRest ?? null;
    this.connection = new Connection(
      {
        getToken: options.getToken,
        getTicket: options.getTicket ?? (() => Promise.resolve(null)),
        connect: options.connect,
        timers: this.timers,
        random: options.random ?? Math.random,
        heartbeatMs: options.heartbeatMs ?? 25_000,
        backoffBaseMs: options.backoffBaseMs ?? 500,
        backoffMaxMs: options.backoffMaxMs ?? 15_000,
        staleAfterHideMs: options.staleAfterHideMs ?? 5_000,
        probeMs: options.probeMs ?? 3_000,
      },
      this.store,
      {
        url: (channel, ticket) => (channel === "lobby" ? this.lobbyUrl() : this.roomUrl(ticket)),
        opened: () => {
          this.paging = false;
        },
        frame: (channel, data) => this.handleFrame(channel, data),
        closed: (channel, code) => this.handleClose(channel, code),
        replaced: () => {
          this.outbox.forgetInflight();
          this.pendingReport?.settle(new ChatError("network"));
          this.store.update({ connected: false, partnerTyping: false });
        },
        failed: (code) => this.failPermanently(code),
        lobbyRefused: this.recheckMatching ? () => void this.lobbyRefused() : undefined,
      },
    );
    this.outbox = new Outbox(
      {
        timers: this.timers,
        ackTimeoutMs: this.ackTimeoutMs,
        newClientId: options.newClientId ?? randomClientId,
        sendToRoom: (frame) => {
          const sent = this.connection.isOn("room") && this.connection.transmit(frame);
          // No answer at all soon after a send: the socket is probed, not trusted until the ack times out.
          if (sent) this.connection.watch();
          return sent;
        },
      },
      this.store,
    );
  }

  get snapshot(): ChatState {
    return this.store.state;
  }

  subscribe(listener: ChatListener): () => void {
    return this.store.subscribe(listener);
  }

  onNotice(listener: NoticeListener): () => void {
    return this.store.onNotice(listener);
  }

  // -------------------------------------------------------------------------------------------
  // What the page calls

  /** Joins the lobby (topic null = anyone). */
  start(topic: string | null): void {
    this.teardown();
    this.store.reset({ phase: "connecting", topic });
    void this.connection.open("lobby");
  }

  /**
   * Opens an existing conversation (a subscribe message's page names it) as a resume from the
   * start (`after=0`): its whole history in pages, as this chat (not earlier meetings), what
   * changed meanwhile, and `partner_left` if the partner has gone since.
   */
  rejoin(roomId: string, partnerAlias: string): void {
    this.teardown();
    this.store.reset({ phase: "chatting", roomId, partnerAlias, topic: null, lastSeq: 0 });
    this.resumable = true;
    void this.connection.open("room");
  }

  /** Leaves the waiting queue. */
  cancel(): void {
    if (this.connection.isOn("lobby")) this.connection.transmit({ type: "cancel" } satisfies LobbyClientFrame);
    this.teardown();
    this.store.update({ phase: "idle", connected: false, reconnecting: false });
  }

  /** Leaves the room for good (the partner sees "left"). */
  leave(): void {
    if (this.connection.isOn("room")) this.connection.transmit({ type: "leave" } satisfies RoomClientFrame);
    if (this.connection.isOn("lobby")) this.connection.transmit({ type: "cancel" } satisfies LobbyClientFrame);
    this.teardown();
    this.store.update({ phase: "idle", connected: false, reconnecting: false, partnerTyping: false });
  }

  /** "换一个": leave this partner and wait for a new one with the same topic. */
  next(): void {
    const topic = this.store.state.topic;
    this.leave();
    this.start(topic);
  }

  /** The app went to the background (onHide): remembered so resume() can judge the socket. */
  background(): void {
    this.connection.background();
  }

  /**
   * The app came back to the foreground or the network returned: reconnect now if dropped. A
   * socket kept across a long background, or one whose ping went unanswered, is likely half-open:
   * it is replaced at once (resuming with `after`) instead of waiting for the heartbeat to notice.
   */
  resume(): void {
    this.connection.resume();
  }

  /** wx.onNetworkStatusChange: back online connects now; a changed network probes the socket. */
  networkChanged(connected: boolean): void {
    if (connected) this.connection.networkChanged();
  }

  /**
   * Reports the partner over the open room socket. Resolves on the server's `reported` (the pair
   * is blocked; the room is then left for good); rejects with a ChatError: "network" when the
   * room socket is not open or drops before the answer, "timeout" when none comes, or the
   * server's code. On "network"/"timeout" the caller may report over REST instead. `messageId`:
   * the partner's message the report is about (long-press 举报); `reason`: optional words.
   */
  report(category: ReportCategory, messageId?: string, reason?: string): Promise<void> {
    if (this.pendingReport) return this.pendingReport.promise;
    const words = reason?.trim();
    const frame: RoomClientFrame = { type: "report", category, ...(messageId ? { messageId } : {}), ...(words ? { reason: words } : {}) };
    if (!this.connection.isOn("room") || this.store.state.phase !== "chatting" || !this.connection.transmit(frame)) {
      return Promise.reject(new ChatError("network"));
    }
    let settle!: (err: ChatError | null) => void;
    const promise = new Promise<void>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => settle(new ChatError("timeout")), this.ackTimeoutMs);
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
    if (this.store.state.roomId === null) return;
    if (this.connection.isOn("room")) this.connection.transmit({ type: "leave" } satisfies RoomClientFrame);
    this.end(reason);
  }

  /**
   * 保持联系: a private tap (during the chat or on its end screen while the room socket is open).
   * The partner learns nothing unless they tap too; then both get `kept`. False when not possible now.
   */
  keepInTouch(): boolean {
    const { roomId, keep } = this.store.state;
    if (roomId === null || keep === "kept") return false;
    if (this.connection.isOn("room") && this.connection.transmit({ type: "keep" } satisfies RoomClientFrame)) return true;
    if (!this.keepOverRest) {
      this.store.notice("network");
      return false;
    }
    const run = this.runs;
    this.keepOverRest(roomId).then(
      (state) => {
        // Still the same chat on screen: show what the server answered.
        if (run === this.runs && this.store.state.roomId === roomId && this.store.state.keep !== "kept") this.store.update({ keep: state });
      },
      (err: unknown) => this.store.notice(err && typeof err === "object" && "code" in err ? String(err.code) : "network"),
    );
    return true;
  }

  /** Opens a kept chat from 我的聊天: its room with the history, to read and write. */
  openChat(roomId: string, partnerAlias: string): void {
    this.teardown();
    this.resumable = false;
    this.store.reset({ phase: "chatting", roomId, partnerAlias, keep: "kept" });
    void this.connection.open("room");
  }

  /** Queues a message; returns false (with a notice) when it cannot be sent at all. */
  send(rawText: string): boolean {
    const text = rawText.trim();
    if (this.store.state.phase !== "chatting") return false;
    if (text === "") {
      this.store.notice("empty_text");
      return false;
    }
    if (textLength(text) > TEXT_MAX) {
      this.store.notice("text_too_long");
      return false;
    }
    this.outbox.queue(text);
    return true;
  }

  /** Sends a picture already uploaded for this room (POST /api/media); false when not chatting. */
  sendImage(image: ChatImage): boolean {
    if (this.store.state.phase !== "chatting") return false;
    this.outbox.queueImage(image);
    return true;
  }

  /**
   * A picture picked on this phone: its bubble (the local file, upload progress) shows at once,
   * then `upload` posts it and the image frame goes under the same clientId. A failure speaks
   * about the picture; a retry uploads it again. Returns the clientId, or null when not chatting.
   */
  sendPicture(localPath: string, upload: PictureUpload): string | null {
    if (this.store.state.phase !== "chatting") return null;
    const clientId = this.outbox.queueUpload(localPath);
    this.uploads.set(clientId, upload);
    void this.runUpload(clientId);
    return clientId;
  }

  private async runUpload(clientId: string): Promise<void> {
    const upload = this.uploads.get(clientId);
    if (!upload) return;
    try {
      const image = await upload((percent) => this.outbox.uploadProgress(clientId, percent));
      this.uploads.delete(clientId);
      this.outbox.uploaded(clientId, image);
    } catch (err) {
      const code = codeOf(err, "network");
      const final = FINAL_UPLOAD_ERRORS.has(code);
      if (final) this.uploads.delete(clientId);
      this.outbox.failUpload(clientId, pictureError(code), !final);
    }
  }

  /** Recalls one's own message (long-press 撤回, within 2 minutes); false when it cannot be asked now. */
  recall(id: string): boolean {
    const m = this.store.state.messages.find((x) => x.id === id);
    if (!m || !canRecall(m, this.timers.now())) {
      if (m && m.from === "me") this.store.notice("recall_too_late");
      return false;
    }
    if (!this.connection.isOn("room") || !this.connection.transmit({ type: "recall", id } satisfies RoomClientFrame)) {
      this.store.notice("network");
      return false;
    }
    return true;
  }

  /** The person closed the care card. */
  dismissCare(): void {
    this.store.update({ care: null });
  }

  /** Tap-to-retry on a failed message: same clientId, so the server never stores it twice. */
  retry(clientId: string): void {
    if (this.outbox.needsUpload(clientId) && this.uploads.has(clientId)) {
      if (this.store.state.phase !== "chatting") return;
      this.outbox.restartUpload(clientId);
      void this.runUpload(clientId);
      return;
    }
    this.outbox.retry(clientId);
  }

  /** The user is typing: tells the partner, at most once per throttle window. */
  typing(): void {
    if (!this.connection.isOn("room") || !this.store.state.connected || this.store.state.phase !== "chatting") return;
    const now = this.timers.now();
    if (now - this.lastTypingSentAt < this.typingThrottleMs) return;
    this.lastTypingSentAt = now;
    this.connection.transmit({ type: "typing" } satisfies RoomClientFrame);
  }

  // -------------------------------------------------------------------------------------------
  // Sockets

  private lobbyUrl(): string {
    const topic = this.store.state.topic;
    return `${this.wsBase}/api/lobby${topic ? `?topic=${encodeURIComponent(topic)}` : ""}`;
  }

  private roomUrl(ticket: string | null): string {
    const { roomId, lastSeq } = this.store.state;
    const base = `${this.wsBase}/api/rooms/${encodeURIComponent(roomId ?? "")}`;
    const params: string[] = [];
    // Dropped between history pages: resume after the last page, not after live traffic that skipped ahead.
    if (this.resumable) params.push(`after=${this.paging ? this.pagedSeq : lastSeq}`);
    if (ticket) params.push(`ticket=${encodeURIComponent(ticket)}`);
    return params.length ? `${base}?${params.join("&")}` : base;
  }

  private handleClose(channel: Channel, code: number): void {
    this.clearTyping();
    this.outbox.forgetInflight();
    // Whether the server got the report is unknown; the caller reports over REST instead.
    this.pendingReport?.settle(new ChatError("network"));
    if (code === CLOSE_REPLACED) return this.end("replaced");
    if (channel === "room" && code === CLOSE_ENDED) return this.end("ended");
    this.store.update({ connected: false, partnerTyping: false });
    this.connection.reconnectLater();
  }

  /** The lobby said 403: a fixable gap (18+ sent again) retries; a suspension or ban ends the wait. */
  private async lobbyRefused(): Promise<void> {
    const run = this.runs;
    let code: string | null = null;
    try {
      await this.recheckMatching!();
    } catch (err) {
      code = codeOf(err, "network");
    }
    // Cancelled or restarted meanwhile: this answer is about a wait that is over.
    if (run !== this.runs) return;
    if (code !== null && PERMANENT_ERRORS.has(code)) return this.failPermanently(code);
    // Fixed: straight back in. The check itself failed (network): the usual backoff.
    if (code === null) this.connection.reopen();
    else this.connection.reconnectLater();
  }

  /** Closes everything and cancels every timer; the message list stays until the next start. */
  private teardown(): void {
    this.runs++;
    this.connection.reset();
    this.clearTyping();
    this.outbox.clear();
    this.pendingReport?.settle(new ChatError("network"));
    this.resumable = false;
    this.uploads.clear();
    this.ticketRefreshedAt = null;
  }

  // -------------------------------------------------------------------------------------------
  // Frames

  private handleFrame(channel: Channel, data: string): void {
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
        this.store.update({
          phase: "waiting",
          online: frame.online,
          estimateMs: frame.estimateMs ?? null,
          // Said once by the lobby; count broadcasts after it do not repeat it.
          fallback: this.store.state.fallback || frame.fallback === true,
        });
        return;
      case "matched":
        this.connection.close();
        this.resumable = false;
        this.store.update({
          phase: "chatting",
          connected: false,
          roomId: frame.roomId,
          partnerAlias: frame.partner.alias,
          topic: frame.topic ?? this.store.state.topic,
          prompt: frame.prompt ?? null,
          keep: "none",
          partnerPresence: null,
          messages: [],
          lastSeq: 0,
        });
        void this.connection.open("room");
        return;
      case "error":
        if (frame.code === "replaced") return this.end("replaced");
        if (PERMANENT_ERRORS.has(frame.code)) return this.failPermanently(frame.code);
        this.store.notice(frame.code);
        return;
    }
  }

  private handleRoomFrame(frame: RoomServerFrame): void {
    switch (frame.type) {
      case "history": {
        // Later pages of the same connect belong with its first page (earlier meetings or not).
        if (!this.paging) this.historyEarlier = !this.resumable;
        this.resumable = true;
        this.store.setMessages(mergeServerMessages(this.store.state.messages, frame.messages, this.historyEarlier));
        // Own messages found stored: their ack is no longer awaited.
        for (const h of frame.messages) if (h.clientId) this.outbox.settle(h.clientId);
        this.paging = frame.more === true;
        // The next page starts after this page, not after a live message or ack that came meanwhile.
        const last = frame.messages[frame.messages.length - 1];
        this.pagedSeq = last ? last.seq : this.store.state.lastSeq;
        if (this.paging) {
          this.connection.transmit({ type: "history", after: this.pagedSeq } satisfies RoomClientFrame);
          return;
        }
        this.askImageStates();
        this.outbox.resendPending();
        return;
      }
      case "presence":
        this.store.update({ partnerPresence: frame.partner });
        return;
      case "ack": {
        // Sends work on this socket: a later ticket_required may log in afresh again.
        this.ticketRefreshedAt = null;
        this.outbox.settle(frame.clientId);
        this.store.setMessages(applyAck(this.store.state.messages, frame));
        return;
      }
      case "message":
        this.clearTyping();
        this.store.setMessages(mergeServerMessages(this.store.state.messages, [frame], false));
        this.store.update({ partnerTyping: false });
        return;
      case "recalled":
        this.store.setMessages(applyRecalled(this.store.state.messages, frame.id));
        return;
      case "image_status":
        this.store.setMessages(applyImageStatus(this.store.state.messages, frame));
        return;
      case "typing":
        this.clearTyping();
        this.typingTimer = this.timers.setTimeout(() => {
          this.typingTimer = null;
          this.store.update({ partnerTyping: false });
        }, this.typingShowMs);
        this.store.update({ partnerTyping: true });
        return;
      case "partner_left":
        this.end("partner_left");
        return;
      case "care":
        // Only ever sent to the person who wrote it; shown until they close it.
        this.store.update({ care: frame.hotlines });
        return;
      case "keep_pending":
        if (this.store.state.keep !== "kept") this.store.update({ keep: "pending" });
        return;
      case "kept":
        this.store.update({ keep: "kept" });
        return;
      case "reported": {
        this.pendingReport?.settle(null);
        // The server blocked the pair: this room is over for us; the partner sees "left".
        this.connection.transmit({ type: "leave" } satisfies RoomClientFrame);
        this.end("reported");
        return;
      }
      case "error":
        if (this.pendingReport && REPORT_ERRORS.has(frame.code)) return this.pendingReport.settle(new ChatError(frame.code));
        if (frame.code === "conversation_ended") return this.end("ended");
        if (frame.code === "replaced") return this.end("replaced");
        if (PERMANENT_ERRORS.has(frame.code)) return this.failPermanently(frame.code);
        if (frame.code === "ticket_required") return this.refreshTicket();
        if (SEND_ERRORS.has(frame.code)) this.outbox.refused(frame.clientId, frame.code);
        this.store.notice(frame.code);
        return;
    }
  }

  /**
   * Own pictures still shown as 审核中 once the history is complete: the room is asked for their
   * state (a verdict may have come while this phone was away or on a socket that died).
   */
  private askImageStates(): void {
    const ids = this.store.state.messages.filter((m) => m.from === "me" && m.checking === true && m.id !== null).map((m) => m.id as string);
    for (let i = 0; i < ids.length; i += IMAGE_QUERY_MAX) {
      this.connection.transmit({ type: "image_query", ids: ids.slice(i, i + IMAGE_QUERY_MAX) } satisfies RoomClientFrame);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Endings

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
    this.outbox.forgetInflight();
    this.connection.reopenWithFreshLogin("room");
  }

  /** Stops for good with a code the page shows as a screen (banned, refused room…). */
  private failPermanently(code: string): void {
    this.store.update({ failure: code });
    this.end("failed");
  }

  private end(reason: EndReason): void {
    this.connection.stop();
    this.pendingReport?.settle(new ChatError("network"));
    this.clearTyping();
    this.outbox.failAll("conversation_ended");
    this.store.update({ phase: "ended", endReason: reason, connected: false, reconnecting: false, partnerTyping: false });
    this.ticketRefreshedAt = null;
    if (reason === "replaced") this.store.notice("replaced");
  }

  private clearTyping(): void {
    if (this.typingTimer !== null) this.timers.clearTimeout(this.typingTimer);
    this.typingTimer = null;
  }
}
