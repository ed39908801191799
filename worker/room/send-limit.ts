// Rebuilding a user's message bucket from the room's own history, so the limit needs no write of
// its own: every accepted message is already stored with its time.
import { take, type BucketRule, type BucketState } from "../limits/token-bucket";

/** How far back stored messages can still matter to the bucket: the time a bucket takes to refill. */
export function refillWindowMs(rule: BucketRule): number {
  return rule.perSecond > 0 ? Math.ceil((rule.burst / rule.perSecond) * 1000) : Number.MAX_SAFE_INTEGER;
}

/**
 * The bucket after the given accepted sends (times oldest first), replayed from a full bucket.
 * Starting full can only overstate the tokens, so a rebuilt limit is never stricter than the live one.
 */
export function bucketFromSendTimes(rule: BucketRule, times: readonly number[]): BucketState | undefined {
  let state: BucketState | undefined;
  for (const at of times) state = take(rule, state, at).state;
  return state && { ...state, refusals: 0 };
}
