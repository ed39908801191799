// Typing, both ways: the partner's "正在输入…" shown for a while after their typing frame (a
// message from them ends it), and one's own typing told to the partner at most once per window.
import type { ChatStore } from "./chat-state";
import type { Connection, Timers } from "./connection";
import type { RoomClientFrame } from "./protocol";

export interface TypingOptions {
  timers: Timers;
  /** How long the partner's typing shows after their last typing frame. */
  showMs: number;
  /** One's own typing goes to the partner at most once in this long. */
  throttleMs: number;
}

export class Typing {
  private partnerTimer: unknown = null;
  private lastSentAt = -Infinity;

  constructor(
    private readonly opts: TypingOptions,
    private readonly store: ChatStore,
    private readonly connection: Connection,
  ) {}

  /** The user is typing: tells the partner, at most once per throttle window. */
  own(): void {
    if (!this.connection.isOn("room") || !this.store.state.connected || this.store.state.phase !== "chatting") return;
    const now = this.opts.timers.now();
    if (now - this.lastSentAt < this.opts.throttleMs) return;
    this.lastSentAt = now;
    this.connection.transmit({ type: "typing" } satisfies RoomClientFrame);
  }

  /** The partner's typing frame: shown until showMs pass without another. */
  partner(): void {
    this.clear();
    this.partnerTimer = this.opts.timers.setTimeout(() => {
      this.partnerTimer = null;
      this.store.update({ partnerTyping: false });
    }, this.opts.showMs);
    this.store.update({ partnerTyping: true });
  }

  /** Stops the partner's timer; whoever calls this sets partnerTyping as the moment needs. */
  clear(): void {
    if (this.partnerTimer !== null) this.opts.timers.clearTimeout(this.partnerTimer);
    this.partnerTimer = null;
  }
}
