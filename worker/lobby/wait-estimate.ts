// The wait the lobby announces: from how many people were matched recently, how long the people
// waiting now can expect to wait. Pure, so it is tested on numbers.

/** Estimates are rounded to this, so the frame does not change (and is not re-sent) for noise. */
const STEP_MS = 5000;

/**
 * `matched` people were paired in the last `windowMs`; `waiting` wait now. At that rate the queue
 * empties in waiting / rate; someone alone still waits for one more arrival. Null without a recent
 * pairing: there is nothing honest to say.
 */
export function waitEstimate(waiting: number, matched: number, windowMs: number): number | null {
  if (matched <= 0 || windowMs <= 0) return null;
  const perPerson = windowMs / matched;
  const ms = Math.max(1, waiting) * perPerson;
  return Math.max(STEP_MS, Math.ceil(ms / STEP_MS) * STEP_MS);
}
