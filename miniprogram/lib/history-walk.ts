// The room's history on each connect, page by page: where the next connect resumes (`after`),
// which pages are earlier meetings, asking for the next page after a `more`, and what follows
// a complete history (the state of one's own pictures still under check, the sends to redo).
import type { ChatStore } from "./chat-state";
import type { Outbox } from "./outbox";
import { IMAGE_QUERY_MAX, type RoomClientFrame, type RoomServerFrame } from "./protocol";

export class HistoryWalk {
  /** The history pages of this connect are earlier meetings (the first visit), or not. */
  private earlier = false;
  /** The room sent its first history: later connects resume with `after`. */
  private resumable = false;
  /** A history frame said `more`: the next one continues this connect's history. */
  private paging = false;
  /** The last seq of the history pages received on this connect: the next page starts after it. */
  private pagedSeq = 0;

  constructor(
    private readonly store: ChatStore,
    private readonly outbox: Outbox,
    /** Puts a frame on the room socket. */
    private readonly transmit: (frame: RoomClientFrame) => boolean,
  ) {}

  /** A room not visited yet on this phone: the first connect has no `after`. */
  fresh(): void {
    this.resumable = false;
  }

  /** A room to read from its start (`after=0`), as this chat rather than earlier meetings. */
  fromStart(): void {
    this.resumable = true;
  }

  /** A new room socket opened: its history starts over. */
  opened(): void {
    this.paging = false;
  }

  /** The `after` of the next room connect; null for none. */
  after(): number | null {
    if (!this.resumable) return null;
    // Dropped between history pages: resume after the last page, not after live traffic that skipped ahead.
    return this.paging ? this.pagedSeq : this.store.state.lastSeq;
  }

  /** A history frame: merged, then the next page asked for or the history is complete. */
  page(frame: Extract<RoomServerFrame, { type: "history" }>): void {
    // Later pages of the same connect belong with its first page (earlier meetings or not).
    if (!this.paging) this.earlier = !this.resumable;
    this.resumable = true;
    this.store.mergeServer(frame.messages, this.earlier);
    // Own messages found stored: their ack is no longer awaited.
    for (const h of frame.messages) if (h.clientId) this.outbox.settle(h.clientId);
    this.paging = frame.more === true;
    // The next page starts after this page, not after a live message or ack that came meanwhile.
    const last = frame.messages[frame.messages.length - 1];
    this.pagedSeq = last ? last.seq : this.store.state.lastSeq;
    if (this.paging) {
      this.transmit({ type: "history", after: this.pagedSeq });
      return;
    }
    this.askImageStates();
    this.outbox.resendPending();
  }

  /**
   * Own pictures still shown as 审核中 once the history is complete: the room is asked for their
   * state (a verdict may have come while this phone was away or on a socket that died).
   */
  private askImageStates(): void {
    const ids = this.store.state.messages.filter((m) => m.from === "me" && m.checking === true && m.id !== null).map((m) => m.id as string);
    for (let i = 0; i < ids.length; i += IMAGE_QUERY_MAX) {
      this.transmit({ type: "image_query", ids: ids.slice(i, i + IMAGE_QUERY_MAX) });
    }
  }
}
