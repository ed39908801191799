import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { AppError } from "../errors";
import { hmacSha256Hex } from "../lib/hmac";
import { logError } from "../log";
import { peek, putBack, take, takeUpTo, type BucketRule, type BucketState } from "./token-bucket";

// Limits that must hold across isolates (REST requests land on any of them) and across rooms live
// in one small Durable Object per (scope, key). One RPC per limited request is cheap for rare
// calls such as logins; the per-person message budget is leased to rooms a few tokens at a time
// (`lease`), so a message costs no RPC most of the time, and held in memory (it refills in seconds).

const STATE_KEY = "bucket";
/** When the bucket is full again (then it is deleted), kept so an alarm that fires early moves on. */
const FULL_AT_KEY = "fullAt";

/**
 * When the bucket may be forgotten: once full again, plus a minute, so a person who keeps writing
 * is not deleted and recreated every few seconds (each is a storage write and an alarm).
 */
function fullAtOf(rule: BucketRule, state: BucketState, now: number): number {
  const refillMs = rule.perSecond > 0 ? ((rule.burst - state.tokens) / rule.perSecond) * 1000 : 0;
  return now + Math.ceil(refillMs) + FORGET_GRACE_MS;
}

const FORGET_GRACE_MS = 60_000;

/**
 * An idle object is evicted after 70–140 s, and a bucket idle that long is full again when its rule
 * refills within this: such a bucket (the message budget's) is kept in memory only, since losing it
 * to an eviction gives back nothing that time had not. No storage write, no file, no alarm.
 */
const IN_MEMORY_REFILL_MS = 60_000;

function refillsInMemory(rule: BucketRule): boolean {
  return rule.perSecond > 0 && (rule.burst / rule.perSecond) * 1000 <= IN_MEMORY_REFILL_MS;
}

export class RateLimiter extends DurableObject<Env> {
  /** Whether an alarm is scheduled; unknown (read once) after a wake-up. A cache, not state. */
  private alarmPending: boolean | undefined;
  /** The bucket as the last lease left it (also written to storage); read from storage after a wake-up. */
  private leased: BucketState | undefined;

  /** Takes a token; the bucket lives in storage and is deleted once it would be full again. */
  async take(rule: BucketRule, cost = 1): Promise<{ ok: boolean; retryAfterMs: number }> {
    const now = Date.now();
    const result = take(rule, this.ctx.storage.kv.get<BucketState>(STATE_KEY), now, cost);
    await this.keep(rule, result.state, now);
    return { ok: result.ok, retryAfterMs: result.retryAfterMs };
  }

  /**
   * A lease: up to `want` whole tokens taken at once (the check and the charge in one step), for a
   * caller that spends them itself (a room spending a user's message budget, room/message-budget.ts).
   * `granted` 0 is a refusal, with the wait for the next token.
   */
  async lease(rule: BucketRule, want: number): Promise<{ granted: number; retryAfterMs: number }> {
    const now = Date.now();
    const result = takeUpTo(rule, this.leasedState(rule), now, want);
    await this.keepLeased(rule, result.state, now);
    return { granted: result.ok ? result.granted : 0, retryAfterMs: result.retryAfterMs };
  }

  /** Leased tokens a room did not spend (the person left it), back in the bucket. */
  async giveBack(rule: BucketRule, tokens: number): Promise<void> {
    const state = this.leasedState(rule);
    if (!state || tokens <= 0) return; // a forgotten bucket is a full one
    const now = Date.now();
    await this.keepLeased(rule, putBack(rule, state, now, tokens), now);
  }

  private leasedState(rule: BucketRule): BucketState | undefined {
    return this.leased ?? (refillsInMemory(rule) ? undefined : this.ctx.storage.kv.get<BucketState>(STATE_KEY));
  }

  private async keepLeased(rule: BucketRule, state: BucketState, now: number): Promise<void> {
    // The object answers one call at a time from this copy, so the check and the charge stay one step.
    this.leased = state;
    if (refillsInMemory(rule)) return;
    // A slow rule outlives an idle eviction, so it is kept on disk; leases are on the message
    // path, so the answer does not wait for the commit (a crash refills at most one burst).
    const fullAt = fullAtOf(rule, state, now);
    void this.ctx.storage.put({ [STATE_KEY]: state, [FULL_AT_KEY]: fullAt }, { allowUnconfirmed: true });
    await this.alarmBy(fullAt, true);
  }

  private async keep(rule: BucketRule, state: BucketState, now: number): Promise<void> {
    this.ctx.storage.kv.put(STATE_KEY, state);
    this.leased = undefined;
    const fullAt = fullAtOf(rule, state, now);
    this.ctx.storage.kv.put(FULL_AT_KEY, fullAt);
    await this.alarmBy(fullAt);
  }

  /**
   * A full bucket is the same as none: the client is forgotten once it has refilled. The alarm is
   * set once and moved on when it fires early, not on every call (a lease per few messages is hot).
   */
  private async alarmBy(fullAt: number, unconfirmed = false): Promise<void> {
    this.alarmPending ??= (await this.ctx.storage.getAlarm()) !== null;
    if (!this.alarmPending) {
      await this.ctx.storage.setAlarm(fullAt, { allowUnconfirmed: unconfirmed });
      this.alarmPending = true;
    }
  }

  /** Whether a token is there, without taking it. */
  async peek(rule: BucketRule): Promise<{ ok: boolean; retryAfterMs: number }> {
    return peek(rule, this.ctx.storage.kv.get<BucketState>(STATE_KEY), Date.now());
  }

  /**
   * The check and the charge in one step, for limits that charge only failures (wrong admin
   * tokens): refused when no token is left; otherwise a token is taken when `failed`. Calls are
   * serialized by the object, so N parallel failures are admitted at most `burst` times.
   */
  async admit(rule: BucketRule, failed: boolean): Promise<{ ok: boolean; retryAfterMs: number }> {
    const left = peek(rule, this.ctx.storage.kv.get<BucketState>(STATE_KEY), Date.now());
    if (!left.ok || !failed) return left;
    return this.take(rule);
  }

  override async alarm(): Promise<void> {
    const fullAt = this.ctx.storage.kv.get<number>(FULL_AT_KEY);
    if (fullAt !== undefined && fullAt > Date.now()) {
      await this.ctx.storage.setAlarm(fullAt);
      this.alarmPending = true;
      return;
    }
    await this.ctx.storage.deleteAll();
    this.alarmPending = false;
    this.leased = undefined;
  }
}

/** Names the limiter without keeping the raw key (an IP address) anywhere. */
export async function limiterName(env: Env, scope: string, key: string): Promise<string> {
  return `${scope}:${await hmacSha256Hex(env.IDENTITY_PEPPER, `ratelimit:${scope}:${key}`)}`;
}

export async function limiterStub(env: Env, scope: string, key: string) {
  return env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(await limiterName(env, scope, key)));
}

/**
 * Throws 429 `rate_limited` when `key` is over `rule` in `scope`. If the limiter itself cannot be
 * reached the request goes through: a broken limiter must not lock every user out.
 */
export async function limitShared(env: Env, scope: string, key: string, rule: BucketRule): Promise<void> {
  let verdict: { ok: boolean; retryAfterMs: number };
  try {
    verdict = await (await limiterStub(env, scope, key)).take(rule);
  } catch (error) {
    logError("limits.limiter_unreachable", error, { scope });
    return;
  }
  if (!verdict.ok) {
    const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
    throw new AppError("rate_limited", `Too many requests; try again in ${seconds} s`, 429);
  }
}

