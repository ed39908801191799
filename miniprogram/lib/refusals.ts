// Refusals a fresh check may fix: the lobby's 403 (the 18+ confirmation sent again, e.g. after a
// login as a new account) and the room's ticket_required (log in again for a fresh content-check
// ticket). Each is tried once; a refusal the check cannot fix stops the chat for good.
import { PERMANENT_ERRORS, type Connection, type Timers } from "./connection";
import { codeOf } from "./errors";
import type { Outbox } from "./outbox";

/** A second ticket_required this soon after a fresh login means the login cannot fix it. */
const TICKET_RETRY_WINDOW_MS = 60_000;

export interface RefusalsOptions {
  timers: Timers;
  /** See ChatClientOptions.recheckMatching; null: a refused lobby takes the usual way. */
  recheckMatching: (() => Promise<void>) | null;
  /** Stops for good with a code the page shows as a screen. */
  fail(code: string): void;
}

export class Refusals {
  /** Bumped by every start/cancel/leave, so a late recheck knows its wait is over. */
  private runs = 0;
  /** When ticket_required last sent us to a fresh login; another one soon after is final. */
  private ticketRefreshedAt: number | null = null;

  constructor(
    private readonly opts: RefusalsOptions,
    private readonly connection: Connection,
    private readonly outbox: Outbox,
  ) {}

  /** The lobby said 403: a fixable gap (18+ sent again) retries; a suspension or ban ends the wait. */
  async lobbyRefused(): Promise<void> {
    const run = this.runs;
    let code: string | null = null;
    try {
      await this.opts.recheckMatching!();
    } catch (err) {
      code = codeOf(err, "network");
    }
    // Cancelled or restarted meanwhile: this answer is about a wait that is over.
    if (run !== this.runs) return;
    if (code !== null && PERMANENT_ERRORS.has(code)) return this.opts.fail(code);
    // Fixed: straight back in. The check itself failed (network): the usual backoff.
    if (code === null) this.connection.reopen();
    else this.connection.reconnectLater();
  }

  /**
   * The room wants a valid check ticket (it expired, or the connect had none): log in again and
   * resume with the fresh one; the refused sends stay pending and go again after the history.
   * When that already happened moments ago with no send getting through since, stop for good.
   */
  ticketRequired(): void {
    const now = this.opts.timers.now();
    if (this.ticketRefreshedAt !== null && now - this.ticketRefreshedAt < TICKET_RETRY_WINDOW_MS) {
      return this.opts.fail("ticket_required");
    }
    this.ticketRefreshedAt = now;
    this.outbox.forgetInflight();
    this.connection.reopenWithFreshLogin("room");
  }

  /** Sends work on this socket (or the chat ended): a later ticket_required may log in afresh again. */
  allowFreshLogin(): void {
    this.ticketRefreshedAt = null;
  }

  /** The chat is torn down: nothing of the last wait carries over. */
  reset(): void {
    this.runs++;
    this.ticketRefreshedAt = null;
  }
}
