// The protocol client: lobby → matched → room, resume with `after`, acks by clientId, retries
// with the same clientId, a merged message list, reconnect with backoff, reporting the partner.
// No wx here: sockets, timers and tokens come in from outside, so the same code runs in the mini
// program, in unit tests against a fake socket, and in Node against the real worker. This file is
// what the pages call, and how a chat ends; the parts it composes are built in chat-parts.ts:
// the socket (connection.ts) and the frames it reads (server-frames.ts), the state the page draws
// (chat-state.ts), the sends waiting for their ack (outbox.ts), picture uploads
// (picture-uploads.ts), the history walk (history-walk.ts), typing (typing.ts), 保持联系
// (keep-in-touch.ts), a report (report-request.ts) and the refusals a fresh check may fix
// (refusals.ts).
import { buildParts, type ChatClientOptions, type ChatParts } from "./chat-parts";
import { ChatStore, type ChatListener, type ChatState, type EndReason, type NoticeListener } from "./chat-state";
import type { Channel, Connection } from "./connection";
import { canRecall, type ChatImage } from "./message-list";
import type { PictureUpload } from "./picture-uploads";
import { CLOSE_ENDED, CLOSE_REPLACED, TEXT_MAX, textLength, type LobbyClientFrame, type ReportCategory, type RoomClientFrame } from "./protocol";

export type { ChatClientOptions } from "./chat-parts";
export type { ChatMessage } from "./message-list";
export type { ChatListener, ChatState, EndReason, NoticeListener, Phase } from "./chat-state";
export type { SocketFactory, SocketHandlers, SocketLike, Timers } from "./connection";
export type { PictureUpload } from "./picture-uploads";
export { CONTENT_REJECTED_LINE } from "./outbox";

export class ChatClient {
  private readonly store = new ChatStore();
  private readonly parts: ChatParts;
  private readonly connection: Connection;

  constructor(options: ChatClientOptions) {
    this.parts = buildParts(options, this.store, {
      closed: (channel, code) => this.handleClose(channel, code),
      end: (reason) => this.end(reason),
      fail: (code) => this.failPermanently(code),
    });
    this.connection = this.parts.connection;
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
    this.parts.history.fromStart();
    void this.connection.open("room");
  }

  /** Opens a kept chat from 我的聊天: its room with the history, to read and write. */
  openChat(roomId: string, partnerAlias: string): void {
    this.teardown();
    this.parts.history.fresh();
    this.store.reset({ phase: "chatting", roomId, partnerAlias, keep: "kept" });
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
    return this.parts.report.send(category, messageId, reason);
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
    return this.parts.keep.tap();
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
    this.parts.outbox.queue(text);
    return true;
  }

  /** Sends a picture already uploaded for this room (POST /api/media); false when not chatting. */
  sendImage(image: ChatImage): boolean {
    if (this.store.state.phase !== "chatting") return false;
    this.parts.outbox.queueImage(image);
    return true;
  }

  /**
   * A picture picked on this phone: its bubble (the local file, upload progress) shows at once,
   * then `upload` posts it and the image frame goes under the same clientId. A failure speaks
   * about the picture; a retry uploads it again. Returns the clientId, or null when not chatting.
   */
  sendPicture(localPath: string, upload: PictureUpload): string | null {
    if (this.store.state.phase !== "chatting") return null;
    return this.parts.uploads.start(localPath, upload);
  }

  /** Recalls one's own message (long-press 撤回, within 2 minutes); false when it cannot be asked now. */
  recall(id: string): boolean {
    const m = this.store.state.messages.find((x) => x.id === id);
    if (!m || !canRecall(m, this.parts.timers.now())) {
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
    if (!this.parts.uploads.retry(clientId)) this.parts.outbox.retry(clientId);
  }

  /** The user is typing: tells the partner, at most once per throttle window. */
  typing(): void {
    this.parts.typing.own();
  }

  // -------------------------------------------------------------------------------------------
  // Endings

  private handleClose(channel: Channel, code: number): void {
    this.parts.typing.clear();
    this.parts.outbox.forgetInflight();
    // Whether the server got the report is unknown; the caller reports over REST instead.
    this.parts.report.abandon();
    if (code === CLOSE_REPLACED) return this.end("replaced");
    if (channel === "room" && code === CLOSE_ENDED) return this.end("ended");
    this.store.update({ connected: false, partnerTyping: false });
    this.connection.reconnectLater();
  }

  /** Closes everything and cancels every timer; the message list stays until the next start. */
  private teardown(): void {
    this.parts.keep.reset();
    this.parts.refusals.reset();
    this.connection.reset();
    this.parts.typing.clear();
    this.parts.outbox.clear();
    this.parts.report.abandon();
    this.parts.history.fresh();
    this.parts.uploads.clear();
  }

  /** Stops for good with a code the page shows as a screen (banned, refused room…). */
  private failPermanently(code: string): void {
    this.store.update({ failure: code });
    this.end("failed");
  }

  private end(reason: EndReason): void {
    this.connection.stop();
    this.parts.report.abandon();
    this.parts.typing.clear();
    this.parts.outbox.failAll("conversation_ended");
    this.store.update({ phase: "ended", endReason: reason, connected: false, reconnecting: false, partnerTyping: false });
    this.parts.refusals.allowFreshLogin();
    if (reason === "replaced") this.store.notice("replaced");
  }
}
