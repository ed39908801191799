import { toBase64Url } from "./base64url";

// Random bytes drawn in blocks: one call into the runtime's CSPRNG serves hundreds of ids, not one each.
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let used = POOL_BYTES;

/** `n` (≤ POOL_BYTES) fresh random bytes, never handed out twice. */
function randomBytes(n: number): Uint8Array {
  if (used + n > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    used = 0;
  }
  used += n;
  return pool.subarray(used - n, used);
}

/** A random, unguessable id (128 bits, base64url). */
export function randomId(): string {
  return toBase64Url(randomBytes(16));
}

/**
 * An id that sorts by creation time (milliseconds in base36, whose digits sort as ASCII) followed by
 * 96 random bits. Message ids are D1's primary key: time-ordered ids append to the end of that
 * b-tree, where random ones would dirty a page anywhere in it for each message of a batch.
 */
export function timeOrderedId(now: number): string {
  return now.toString(36).padStart(9, "0") + toBase64Url(randomBytes(12));
}
