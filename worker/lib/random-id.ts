import { toBase64Url } from "./base64url";

// Random bytes drawn in blocks: one call into the runtime's CSPRNG serves 256 ids, not one each.
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let used = POOL_BYTES;

/** A random, unguessable id (128 bits, base64url). */
export function randomId(): string {
  if (used + 16 > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    used = 0;
  }
  const id = toBase64Url(pool.subarray(used, used + 16));
  used += 16;
  return id;
}

/**
 * An id that sorts by creation time (milliseconds in base36, whose digits sort as ASCII) followed by
 * 96 random bits. Message ids are D1's primary key: time-ordered ids append to the end of that
 * b-tree, where random ones would dirty a page anywhere in it for each message of a batch.
 */
export function timeOrderedId(now: number): string {
  return now.toString(36).padStart(9, "0") + randomId().slice(0, 16);
}
