const encoder = new TextEncoder();

function toHex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// Imported keys by secret, per isolate: importKey is a round into the runtime's crypto on every
// call, and every request checks a token with the same secret.
const keys = new Map<string, Promise<CryptoKey>>();

/** The HMAC-SHA256 key for `secret` (sign and verify), imported once per isolate. */
export function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
    key.catch(() => keys.delete(secret));
  }
  return key;
}

export async function hmacSha256Hex(key: string, message: string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", await hmacKey(key), encoder.encode(message)));
}
