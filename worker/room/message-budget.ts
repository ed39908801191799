// One message budget per person, however many rooms and sockets they have open. The bucket lives
// in the person's limiter object (limits/shared-limiter.ts, scope "messages"); a room takes a small
// lease of tokens from it in one atomic step and spends them locally. A lease grows with use: a
// room's first message draws one token, and only a room where the person keeps writing leases more
// (doubling, up to LEASE_SECONDS of the rule's refill, topped up in the background when down to its
// last token), so a steady sender does not wait for the RPC while rooms a person only passed
// through hold nothing back. A room asks for the first token when the person connects (their first
// message waits for nothing) and gives back what it holds when they leave. Every token a room
// spends was charged to the person's one bucket first, so the sum across rooms is bounded by the
// per-user rule. Tokens not given back (a room that hibernated, a give-back that failed) lapse
// after LEASE_TTL_MS: a lost lease only makes the limit stricter, and what a person can save up
// in rooms is bounded by LEASE_TTL_MS of refill.
import type { Env } from "../env";
import { limiterStub } from "../limits/shared-limiter";
import type { BucketRule, TakeResult } from "../limits/token-bucket";
import { logError } from "../log";

/**
 * The largest lease, in seconds of the rule's refill (8 tokens at one a second), never more than a
 * burst: what one room may hold back from the person's other rooms.
 */
export const LEASE_SECONDS = 8;
/** How long a room may keep tokens it has not spent. */
export const LEASE_TTL_MS = 10_000;

export type Admission = { ok: true } | { ok: false; retryAfterMs: number; flooding: boolean };

const ADMITTED: Admission = { ok: true };

interface Lease {
  tokens: number;
  until: number;
  /** Refusals in a row in this room (a flooder's socket is closed after rule.floodAfter). */
  refusals: number;
  /** The last lease asked for while in steady use (0 after a lapse): the next asks for twice this. */
  size: number;
  /** The draw in flight: later sends of this person wait behind it, in arrival order. */
  tail: Promise<Admission> | null;
  /** A top-up asked for in the background when the lease runs low, so a steady sender never waits. */
  topUp: Promise<void> | null;
  limiter?: ReturnType<typeof limiterStub>;
}

export class MessageBudget {
  private readonly leases = new Map<string, Lease>();
  private readonly largest: number;

  constructor(
    private readonly env: Env,
    private readonly rule: BucketRule,
    /** The room's own per-user bucket: used only when the limiter object cannot be reached. */
    private readonly fallback: (userId: string, now: number) => TakeResult,
  ) {
    this.largest = Math.max(1, Math.min(rule.burst, Math.ceil(rule.perSecond * LEASE_SECONDS)));
  }

  /**
   * Admits one message of `userId`: at once (no promise) while the room holds leased tokens;
   * otherwise a promise that settles after this person's earlier admissions, so order is kept.
   */
  take(userId: string): Admission | Promise<Admission> {
    const lease = this.leaseOf(userId);
    if (!lease.tail && this.spend(userId, lease, Date.now())) return ADMITTED;
    const current = lease;
    const next = (current.tail ?? Promise.resolve(ADMITTED)).then(() => this.draw(userId, current));
    current.tail = next;
    void next.then(() => {
      if (current.tail === next) current.tail = null;
    });
    return next;
  }

  /** The person connected: their first token is asked for now, in the background. */
  prepare(userId: string): void {
    const lease = this.leaseOf(userId);
    if (lease.tail || lease.topUp || (lease.tokens > 0 && Date.now() < lease.until)) return;
    lease.size = 1;
    this.topUp(userId, lease, 1);
  }

  /**
   * The person's last socket here is gone: the tokens this room holds go back to their budget
   * (for their next room). A draw in flight keeps its tokens, which lapse.
   */
  release(userId: string): Promise<void> | null {
    const lease = this.leases.get(userId);
    if (!lease?.limiter || lease.tail || lease.topUp) return null;
    const unspent = Date.now() < lease.until ? lease.tokens : 0;
    lease.tokens = 0;
    lease.size = 0;
    if (unspent <= 0) return null;
    return lease.limiter.then((limiter) => limiter.giveBack(this.rule, unspent)).catch((error) => logError("limits.give_back_failed", error));
  }

  /** Forgets an erased user's lease. */
  forget(userId: string): void {
    this.leases.delete(userId);
  }

  /** Spends one leased token if there is a live one; a lease down to its last token is topped up. */
  private spend(userId: string, lease: Lease, now: number): boolean {
    if (lease.tokens <= 0 || now >= lease.until) return false;
    lease.tokens--;
    lease.refusals = 0;
    // Only a room in steady use keeps a reserve: one message alone leaves nothing behind.
    if (lease.tokens <= 1 && lease.size >= 2 && !lease.topUp) this.topUp(userId, lease, this.grow(lease));
    return true;
  }

  /** Asks for more in the background; a draw meanwhile waits for it rather than asking twice. */
  private topUp(userId: string, lease: Lease, want: number): void {
    lease.topUp = this.ask(userId, lease, want)
      .then((grant) => this.add(lease, grant.granted))
      .catch(() => undefined) // the next draw asks again, and falls back if it must
      .finally(() => {
        lease.topUp = null;
      });
  }

  private leaseOf(userId: string): Lease {
    let lease = this.leases.get(userId);
    if (!lease) {
      lease = { tokens: 0, until: 0, refusals: 0, size: 0, tail: null, topUp: null };
      this.leases.set(userId, lease);
    }
    return lease;
  }

  /** The next lease's size: twice the last, up to the largest. */
  private grow(lease: Lease): number {
    lease.size = Math.min(this.largest, Math.max(1, lease.size * 2));
    return lease.size;
  }

  private add(lease: Lease, granted: number): void {
    if (granted <= 0) return;
    const now = Date.now();
    lease.tokens = (now < lease.until ? lease.tokens : 0) + granted;
    lease.until = now + LEASE_TTL_MS;
  }

  private async ask(userId: string, lease: Lease, want: number): Promise<{ granted: number; retryAfterMs: number }> {
    lease.limiter ??= limiterStub(this.env, "messages", userId);
    try {
      return await (await lease.limiter).lease(this.rule, want);
    } catch (error) {
      lease.limiter = undefined;
      throw error;
    }
  }

  private async draw(userId: string, lease: Lease): Promise<Admission> {
    if (lease.topUp) await lease.topUp;
    if (this.spend(userId, lease, Date.now())) return ADMITTED;
    // A lapsed lease starts again from one token; a live one that ran dry asks for twice as many.
    if (Date.now() >= lease.until) lease.size = 0;
    let grant: { granted: number; retryAfterMs: number };
    try {
      grant = await this.ask(userId, lease, this.grow(lease));
    } catch (error) {
      // A broken limiter must not silence every room: this room's own bucket decides meanwhile.
      logError("limits.message_budget_unreachable", error);
      const local = this.fallback(userId, Date.now());
      return local.ok ? ADMITTED : this.refused(lease, local.retryAfterMs);
    }
    this.add(lease, grant.granted);
    if (this.spend(userId, lease, Date.now())) return ADMITTED;
    return this.refused(lease, grant.retryAfterMs);
  }

  private refused(lease: Lease, retryAfterMs: number): Admission {
    lease.refusals++;
    return { ok: false, retryAfterMs, flooding: this.rule.floodAfter !== undefined && lease.refusals >= this.rule.floodAfter };
  }
}
