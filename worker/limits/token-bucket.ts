// A token bucket as plain data and pure functions: `burst` tokens at most, refilled at a steady
// `perSecond`. The state is a small JSON-safe object its holder keeps where it survives: the
// limiter object and the room's connect limit in storage, the lobby's join limit in its queue's
// SQLite; a room's send buckets are rebuilt from stored history (room/send-limit.ts).

export interface BucketRule {
  /** Tokens a full bucket holds: how many actions may come back to back. */
  burst: number;
  /** Tokens added per second: the sustained rate. */
  perSecond: number;
  /**
   * Refusals in a row (with nothing allowed between them) after which the caller is flooding and
   * should be cut off (a socket closes with 1008). Omit when refusing is all that is needed.
   */
  floodAfter?: number;
}

export interface BucketState {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
  /** Refusals since the last allowed action. */
  refusals: number;
}

export interface TakeResult {
  ok: boolean;
  state: BucketState;
  /** How long until one token is available again (0 when `ok`). */
  retryAfterMs: number;
  /** True once `rule.floodAfter` refusals came in a row. */
  flooding: boolean;
}

export function fullBucket(rule: BucketRule, now: number): BucketState {
  return { tokens: rule.burst, at: now, refusals: 0 };
}

function refill(rule: BucketRule, state: BucketState, now: number): number {
  // A clock that went backwards adds nothing rather than taking tokens away.
  const elapsed = Math.max(0, now - state.at) / 1000;
  return Math.min(rule.burst, state.tokens + elapsed * rule.perSecond);
}

/** Takes `cost` tokens if they are there; otherwise refuses and counts the refusal. */
export function take(rule: BucketRule, state: BucketState | undefined, now: number, cost = 1): TakeResult {
  const current = state ?? fullBucket(rule, now);
  const tokens = refill(rule, current, now);
  if (tokens >= cost) {
    return { ok: true, state: { tokens: tokens - cost, at: now, refusals: 0 }, retryAfterMs: 0, flooding: false };
  }
  const refusals = current.refusals + 1;
  const missing = cost - tokens;
  const retryAfterMs = rule.perSecond > 0 ? Math.ceil((missing / rule.perSecond) * 1000) : Number.POSITIVE_INFINITY;
  return {
    ok: false,
    state: { tokens, at: now, refusals },
    retryAfterMs,
    flooding: rule.floodAfter !== undefined && refusals >= rule.floodAfter,
  };
}

/**
 * Takes as many whole tokens as are there, up to `want` (a lease): `granted` may be 0, and then
 * the refusal is counted as by `take`.
 */
export function takeUpTo(rule: BucketRule, state: BucketState | undefined, now: number, want: number): TakeResult & { granted: number } {
  const tokens = refill(rule, state ?? fullBucket(rule, now), now);
  const granted = Math.max(0, Math.min(want, Math.floor(tokens)));
  return { ...take(rule, state, now, Math.max(1, granted)), granted };
}

/** Tokens taken but never spent, put back (never past the burst). */
export function putBack(rule: BucketRule, state: BucketState, now: number, tokens: number): BucketState {
  return { tokens: Math.min(rule.burst, refill(rule, state, now) + tokens), at: now, refusals: state.refusals };
}

/** Whether `cost` tokens are there now, without taking them (for limits that charge only failures). */
export function peek(rule: BucketRule, state: BucketState | undefined, now: number, cost = 1): { ok: boolean; retryAfterMs: number } {
  const tokens = state ? refill(rule, state, now) : rule.burst;
  if (tokens >= cost) return { ok: true, retryAfterMs: 0 };
  const retryAfterMs = rule.perSecond > 0 ? Math.ceil(((cost - tokens) / rule.perSecond) * 1000) : Number.POSITIVE_INFINITY;
  return { ok: false, retryAfterMs };
}
