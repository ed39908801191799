// This phone's sends until the server answers them: each waits as a pending bubble under its
// clientId with an ack timer, goes again with the same clientId after a reconnect (the server
// dedupes), and turns failed on a refusal or a timeout. The merge with what the server stored is
// in message-list.ts; this file decides when to send and what a refusal means.
import { errorMessage } from "./errors";
import type { ChatStore } from "./chat-state";
import type { ChatImage, ChatMessage } from "./message-list";
import type { ErrorCode, RoomClientFrame } from "./protocol";
import type { Timers } from "./connection";

/** What a bubble refused for its content says; no retry is offered. */
export const CONTENT_REJECTED_LINE = "未发送：包含不当内容";

/** Send errors that resending the same text cannot fix: the failed bubble offers no retry. */
const FINAL_SEND_ERRORS: ReadonlySet<string> = new Set<ErrorCode>(["content_rejected", "text_too_long", "empty_text", "bad_message", "frame_too_large"]);

export interface OutboxOptions {
  timers: Timers;
  /** A send that is not acked within this long turns failed (tap to retry). */
  ackTimeoutMs: number;
  newClientId(): string;
  /** Puts a frame on the room socket; false when no room socket is open. */
  sendToRoom(frame: RoomClientFrame): boolean;
}

export class Outbox {
  /** clientIds sent on the current room socket and not yet answered, oldest first. */
  private inflight: string[] = [];
  private readonly ackTimers = new Map<string, unknown>();

  constructor(
    private readonly opts: OutboxOptions,
    private readonly store: ChatStore,
  ) {}

  /** Adds a pending bubble for already checked text and sends it if the room is open. */
  queue(text: string): void {
    this.add({ text });
  }

  /** Adds a pending picture bubble (already uploaded as `image.id`) and sends it if the room is open. */
  queueImage(image: ChatImage): void {
    this.add({ text: "", kind: "image", image, checking: false });
  }

  /**
   * A picture picked but not uploaded yet: its bubble (this phone's file, progress 0) shows at
   * once; it is sent when uploaded(), or fails with failUpload(). Returns its clientId.
   */
  queueUpload(localPath: string): string {
    return this.add({ text: "", kind: "image", image: { id: "", url: null, width: 0, height: 0, localPath }, checking: false, uploading: 0 });
  }

  uploadProgress(clientId: string, percent: number): void {
    const m = this.store.message(clientId);
    if (m && m.uploading !== undefined && m.status === "pending") this.store.setMessage(clientId, { uploading: Math.max(0, Math.min(100, Math.round(percent))) });
  }

  /** The upload finished: the picture goes as an image frame under the same bubble. */
  uploaded(clientId: string, image: Omit<ChatImage, "url" | "localPath">): void {
    const m = this.store.message(clientId);
    if (!m || m.status !== "pending" || !m.image) return;
    this.store.setMessage(clientId, { image: { ...m.image, ...image, url: null }, uploading: undefined });
    this.dispatch(clientId);
  }

  /** The upload failed: the bubble says why; a retry uploads again (not for a picture too large). */
  failUpload(clientId: string, error: string, retryable: boolean): void {
    const m = this.store.message(clientId);
    if (!m || m.status !== "pending") return;
    this.store.setMessage(clientId, { status: "failed", error, retryable, uploading: undefined });
  }

  /** A failed picture whose upload never finished: a retry must upload it again. */
  needsUpload(clientId: string): string | null {
    const m = this.store.message(clientId);
    return m && m.kind === "image" && m.image && !m.image.id && m.image.localPath ? m.image.localPath : null;
  }

  /** Back to uploading for a retry. */
  restartUpload(clientId: string): void {
    const m = this.store.message(clientId);
    if (m && m.status === "failed" && m.retryable) this.store.setMessage(clientId, { status: "pending", error: null, uploading: 0 });
  }

  private add(content: Pick<ChatMessage, "text"> & Partial<Pick<ChatMessage, "kind" | "image" | "checking" | "uploading">>): string {
    const clientId = this.opts.newClientId();
    const message: ChatMessage = {
      key: `c:${clientId}`,
      id: null,
      seq: null,
      clientId,
      from: "me",
      at: this.opts.timers.now(),
      status: "pending",
      earlier: false,
      error: null,
      retryable: true,
      ...content,
    };
    this.store.addMessage(message);
    this.dispatch(clientId);
    return clientId;
  }

  /** Tap-to-retry on a failed message: same clientId, so the server never stores it twice. */
  retry(clientId: string): void {
    const m = this.store.message(clientId);
    if (!m || m.status !== "failed" || !m.retryable || this.store.state.phase !== "chatting") return;
    if (this.needsUpload(clientId)) return; // the page uploads it again first
    this.store.setMessage(clientId, { status: "pending", error: null });
    this.dispatch(clientId);
  }

  /**
   * After the room's history: anything still waiting for an ack goes again with its clientId,
   * except what this socket already carried before its history arrived.
   */
  resendPending(): void {
    for (const m of this.store.state.messages) {
      if (m.status === "pending" && m.clientId && !this.inflight.includes(m.clientId)) this.dispatch(m.clientId);
    }
  }

  /** The send is answered (acked, found stored, or refused): no ack timer, not in flight. */
  settle(clientId: string): void {
    this.inflight = this.inflight.filter((c) => c !== clientId);
    const handle = this.ackTimers.get(clientId);
    if (handle !== undefined) this.opts.timers.clearTimeout(handle);
    this.ackTimers.delete(clientId);
  }

  /** The room refused a send; an older server does not name it and answers sends in order. */
  refused(clientId: string | undefined, code: string): void {
    const target = clientId ?? this.inflight[0];
    if (target) this.fail(target, code);
  }

  /** Every pending send fails with `code` (the chat is over). */
  failAll(code: string): void {
    for (const m of this.store.state.messages) if (m.status === "pending" && m.clientId) this.fail(m.clientId, code);
  }

  /** The room socket is gone: what it carried is no longer in flight (it goes again later). */
  forgetInflight(): void {
    this.inflight = [];
  }

  /** Stops every ack timer and forgets what was in flight; the bubbles stay as they are. */
  clear(): void {
    for (const handle of this.ackTimers.values()) this.opts.timers.clearTimeout(handle);
    this.ackTimers.clear();
    this.inflight = [];
  }

  /** Sends one pending message if the room is open and (re)arms its ack timer either way. */
  private dispatch(clientId: string): void {
    const m = this.store.message(clientId);
    if (!m || m.status !== "pending") return;
    // Still uploading: nothing to send yet, and no ack to wait for.
    if (m.kind === "image" && m.image && !m.image.id) return;
    const old = this.ackTimers.get(clientId);
    if (old !== undefined) this.opts.timers.clearTimeout(old);
    this.ackTimers.set(
      clientId,
      this.opts.timers.setTimeout(() => {
        this.ackTimers.delete(clientId);
        this.fail(clientId, "timeout");
      }, this.opts.ackTimeoutMs),
    );
    const frame: RoomClientFrame =
      m.kind === "image" && m.image ? { type: "image", clientId, imageId: m.image.id } : { type: "send", clientId, text: m.text };
    if (this.opts.sendToRoom(frame)) {
      if (!this.inflight.includes(clientId)) this.inflight.push(clientId);
    }
  }

  private fail(clientId: string, code: string): void {
    const m = this.store.message(clientId);
    if (!m || m.status !== "pending") return;
    this.settle(clientId);
    const final = FINAL_SEND_ERRORS.has(code);
    const error = code === "content_rejected" ? CONTENT_REJECTED_LINE : errorMessage(code);
    this.store.setMessage(clientId, { status: "failed", error, retryable: !final });
  }
}
