import type { Env } from "../env";
import { fromBase64Url, toBase64Url } from "./identity";

// A value sealed (AES-256-GCM) for one purpose and one user until a time: only this worker can
// open it, only for that purpose and user, and not after it expires. Used for the openid kept with
// a subscribe-message consent; the login's check ticket (ticket.ts) is the same idea with its own key.

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const IV_BYTES = 12;
const keys = new Map<string, Promise<CryptoKey>>();

function sealKey(env: Env): Promise<CryptoKey> {
  const secret = env.TICKET_SECRET?.trim() || env.IDENTITY_PEPPER;
  let key = keys.get(secret);
  if (!key) {
    key = (async () => {
      const material = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: encoder.encode("onechat/sealed"), info: encoder.encode("aes-256-gcm v1") },
        material,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    })();
    keys.set(secret, key);
  }
  return key;
}

const aad = (purpose: string, userId: string) => encoder.encode(`sealed:v1:${purpose}:${userId}`);

export async function seal(env: Env, purpose: string, userId: string, value: string, expiresAt: number): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: aad(purpose, userId) },
    await sealKey(env),
    encoder.encode(JSON.stringify({ v: value, x: expiresAt })),
  );
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), IV_BYTES);
  return toBase64Url(out);
}

/** The sealed value, or null if it was sealed for another purpose or user, is forged, or has expired. */
export async function unseal(env: Env, purpose: string, userId: string, sealed: string, now: number): Promise<string | null> {
  const bytes = fromBase64Url(sealed);
  if (!bytes || bytes.length <= IV_BYTES + 16) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.slice(0, IV_BYTES), additionalData: aad(purpose, userId) },
      await sealKey(env),
      bytes.slice(IV_BYTES),
    );
    const body = JSON.parse(decoder.decode(plain)) as { v?: unknown; x?: unknown };
    if (typeof body.v !== "string" || typeof body.x !== "number" || body.x <= now) return null;
    return body.v;
  } catch {
    return null;
  }
}
