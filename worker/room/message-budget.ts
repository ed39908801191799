// One message budget per person, however many rooms and sockets they have open. The bucket lives
// in the person's limiter object (limits/shared-limiter.ts, scope "messages"); a room takes a small
// lease of tokens from it in one atomic step (one RPC per LEASE_SIZE messages, not per message) and
// spends them locally. Every token a room spends was charged to the person's one bucket first, so
// the sum across rooms is bounded by the per-user rule. Unspent tokens lapse after LEASE_TTL_MS
// (never handed back: a lapsed lease only makes the limit stricter), which bounds what a person can
// save up in rooms they left to LEASE_TTL_MS of refill.
import type { Env } from "../env";
import { limiterStub } from "../limits/shared-limiter";
import type { BucketRule, TakeResult } from "../limits/token-bucket";
import { logError } from "../log";

/** Tokens a room asks for at once. Small, so a person in several rooms is not starved by one. */
export const LEASE_SIZE = 4;
/** How long a room may keep tokens it has not spent. */
export const LEASE_TTL_MS = 10_000;

export type Admission = { ok: true } | { ok: false; retryAfterMs: number; flooding: boolean };

const ADMITTED: Admission = { ok: true };

interface Lease {
  tokens: number;
  until: number;
  /** Refusals in a row in this room (a flooder's socket is closed after rule.floodAfter). */
  refusals: number;
  /** The draw in flight: later sends of this person wait behind it, in arrival order. */
  tail: Promise<Admission> | null;
  limiter?: Promise<{ lease(rule: BucketRule, want: number): Promise<{ granted: number; retryAfterMs: number }> }>;
}

export class MessageBudget {
  private readonly leases = new Map<string, Lease>();

  constructor(
    private readonly env: Env,
    private readonly rule: BucketRule,
    /** The room's own per-user bucket: used only when the limiter object cannot be reached. */
    private readonly fallback: (userId: string, now: number) => TakeResult,
  ) {}

  /**
   * Admits one message of `userId`: at once (no promise) while the room holds leased tokens;
   * otherwise a promise that settles after this person's earlier admissions, so order is kept.
   */
  take(userId: string): Admission | Promise<Admission> {
    let lease = this.leases.get(userId);
    if (!lease) {
      lease = { tokens: 0, until: 0, refusals: 0, tail: null };
      this.leases.set(userId, lease);
    }
    if (!lease.tail && this.spend(lease, Date.now())) return ADMITTED;
    const current = lease;
    const next = (current.tail ?? Promise.resolve(ADMITTED)).then(() => this.draw(userId, current));
    current.tail = next;
    void next.then(() => {
      if (current.tail === next) current.tail = null;
    });
    return next;
  }

  /** Forgets an erased user's lease. */
  forget(userId: string): void {
    this.leases.delete(userId);
  }

  private spend(lease: Lease, now: number): boolean {
    if (lease.tokens <= 0 || now >= lease.until) return false;
    lease.tokens--;
    lease.refusals = 0;
    return true;
  }

  private async draw(userId: string, lease: Lease): Promise<Admission> {
    if (this.spend(lease, Date.now())) return ADMITTED;
    let grant: { granted: number; retryAfterMs: number };
    try {
      lease.limiter ??= limiterStub(this.env, "messages", userId);
      grant = await (await lease.limiter).lease(this.rule, LEASE_SIZE);
    } catch (error) {
      // A broken limiter must not silence every room: this room's own bucket decides meanwhile.
      logError("limits.message_budget_unreachable", error);
      lease.limiter = undefined;
      const local = this.fallback(userId, Date.now());
      return local.ok ? ADMITTED : this.refused(lease, local.retryAfterMs);
    }
    lease.tokens = grant.granted;
    lease.until = Date.now() + LEASE_TTL_MS;
    if (this.spend(lease, Date.now())) return ADMITTED;
    return this.refused(lease, grant.retryAfterMs);
  }

  private refused(lease: Lease, retryAfterMs: number): Admission {
    lease.refusals++;
    return { ok: false, retryAfterMs, flooding: this.rule.floodAfter !== undefined && lease.refusals >= this.rule.floodAfter };
  }
}
