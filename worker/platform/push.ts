import { constantTimeEqual } from "../lib/constant-time";

// WeChat's message push (消息推送) as the worker receives it: the signature over the configured
// Token, the timestamp and the nonce (plus the ciphertext in the safe mode), and the safe mode's
// AES-256-CBC envelope (EncodingAESKey, IV = the key's first 16 bytes, PKCS#7 padded to 32 bytes,
// plaintext = 16 random bytes ‖ length (4, big-endian) ‖ message ‖ appid).

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How far a push's timestamp may be from our clock: a replayed old push is refused. */
export const PUSH_MAX_SKEW_MS = 5 * 60 * 1000;

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", encoder.encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** sha1 of the sorted, concatenated parts, compared in constant time with `signature`. */
export async function pushSignatureValid(parts: string[], signature: string): Promise<boolean> {
  const expected = await sha1Hex([...parts].sort().join(""));
  return constantTimeEqual(signature.toLowerCase(), expected);
}

export function timestampFresh(timestamp: string, now: number): boolean {
  const seconds = Number(timestamp);
  return /^\d{1,12}$/.test(timestamp) && Math.abs(seconds * 1000 - now) <= PUSH_MAX_SKEW_MS;
}

function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The message inside a safe-mode `Encrypt` field, or null if it is not ours (bad key, padding or appid). */
export async function decryptPush(encodingAesKey: string, encrypted: string, appid: string): Promise<string | null> {
  const keyBytes = fromBase64(`${encodingAesKey}=`);
  const cipher = fromBase64(encrypted);
  if (!keyBytes || keyBytes.length !== 32 || !cipher || cipher.length === 0 || cipher.length % 16 !== 0) return null;
  const key = await crypto.subtle.importKey("raw", keyBytes, "AES-CBC", false, ["encrypt", "decrypt"]);
  // WebCrypto insists on 16-byte PKCS#7 padding, WeChat pads to 32. Append one block that
  // decrypts to a full padding block, so WebCrypto strips exactly that and returns the raw text.
  const last = cipher.slice(-16);
  const padBlock = new Uint8Array(16).fill(16);
  const extra = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv: last }, key, padBlock)).slice(0, 16);
  const joined = new Uint8Array(cipher.length + 16);
  joined.set(cipher);
  joined.set(extra, cipher.length);
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-CBC", iv: keyBytes.slice(0, 16) }, key, joined));
  } catch {
    return null;
  }
  const pad = plain[plain.length - 1];
  if (pad < 1 || pad > 32 || pad > plain.length) return null;
  const body = plain.subarray(0, plain.length - pad);
  if (body.length < 20) return null;
  const length = ((body[16] << 24) | (body[17] << 16) | (body[18] << 8) | body[19]) >>> 0;
  if (20 + length > body.length) return null;
  if (decoder.decode(body.subarray(20 + length)) !== appid) return null;
  return decoder.decode(body.subarray(20, 20 + length));
}
