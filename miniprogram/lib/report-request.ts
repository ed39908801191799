// A report of the partner sent on the room socket, waiting for the server's answer: `reported`
// settles it, an error that answers reports refuses it, and a socket gone (or silence for the
// ack timeout) leaves the caller to report over REST instead.
import { ChatError } from "./errors";
import type { Timers } from "./connection";
import type { ErrorCode, ReportCategory, RoomClientFrame } from "./protocol";

/** Server errors that answer a report (a bad reason, or the report could not be filed). */
const REPORT_ERRORS: ReadonlySet<string> = new Set<ErrorCode>(["bad_message", "bad_request", "not_found", "internal"]);

export interface ReportRequestOptions {
  timers: Timers;
  /** No answer within this long: the report rejects with "timeout". */
  timeoutMs: number;
  /** Puts the frame on the room socket while chatting; false when it cannot go. */
  send(frame: RoomClientFrame): boolean;
}

export class ReportRequest {
  private pending: { promise: Promise<void>; settle(err: ChatError | null): void } | null = null;

  constructor(private readonly opts: ReportRequestOptions) {}

  /** Sends the report (or joins the one already waiting); see ChatClient.report. */
  send(category: ReportCategory, messageId?: string, reason?: string): Promise<void> {
    if (this.pending) return this.pending.promise;
    const words = reason?.trim();
    const frame: RoomClientFrame = { type: "report", category, ...(messageId ? { messageId } : {}), ...(words ? { reason: words } : {}) };
    if (!this.opts.send(frame)) return Promise.reject(new ChatError("network"));
    let settle!: (err: ChatError | null) => void;
    const promise = new Promise<void>((resolve, reject) => {
      const timer = this.opts.timers.setTimeout(() => settle(new ChatError("timeout")), this.opts.timeoutMs);
      settle = (err) => {
        this.opts.timers.clearTimeout(timer);
        this.pending = null;
        if (err) reject(err);
        else resolve();
      };
    });
    this.pending = { promise, settle };
    return promise;
  }

  /** The server's `reported`: the report is filed. */
  filed(): void {
    this.pending?.settle(null);
  }

  /** A server error: true when it answered the waiting report (which now rejects with it). */
  refused(code: string): boolean {
    if (!this.pending || !REPORT_ERRORS.has(code)) return false;
    this.pending.settle(new ChatError(code));
    return true;
  }

  /** The socket is gone: whether the server got the report is unknown ("network"). */
  abandon(): void {
    this.pending?.settle(new ChatError("network"));
  }
}
