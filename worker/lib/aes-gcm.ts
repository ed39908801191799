import { fromBase64Url, toBase64Url } from "./base64url";

// AES-256-GCM sealing of a small JSON value with a key derived (HKDF-SHA-256) from a secret and a
// salt naming its use. The output is base64url(iv ‖ ciphertext); `aad` binds it to a purpose/user.

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const IV_BYTES = 12;
const TAG_BYTES = 16;

const keys = new Map<string, Promise<CryptoKey>>();

function derivedKey(secret: string, salt: string): Promise<CryptoKey> {
  const cacheKey = `${salt}\u0000${secret}`;
  let key = keys.get(cacheKey);
  if (!key) {
    key = (async () => {
      const material = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: encoder.encode(salt), info: encoder.encode("aes-256-gcm v1") },
        material,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    })();
    keys.set(cacheKey, key);
  }
  return key;
}

export async function sealJson(secret: string, salt: string, aad: string, value: unknown): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(aad) },
    await derivedKey(secret, salt),
    encoder.encode(JSON.stringify(value)),
  );
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv, 0);
  out.set(new Uint8Array(sealed), IV_BYTES);
  return toBase64Url(out);
}

/** The JSON value inside `text`, or null if it is not base64url, forged, or sealed with another aad. */
export async function openJson(secret: string, salt: string, aad: string, text: string): Promise<unknown> {
  const bytes = fromBase64Url(text);
  if (!bytes || bytes.length <= IV_BYTES + TAG_BYTES) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.slice(0, IV_BYTES), additionalData: encoder.encode(aad) },
      await derivedKey(secret, salt),
      bytes.slice(IV_BYTES),
    );
    return JSON.parse(decoder.decode(plain)) as unknown;
  } catch {
    return null;
  }
}
