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
