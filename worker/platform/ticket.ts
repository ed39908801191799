import type { Env } from "../env";
import { fromBase64Url, toBase64Url } from "./identity";

// The check ticket: the openid that msgSecCheck v2 needs, sealed (AES-256-GCM) for the client to
// carry back to the room socket, so the server never stores it. The key is derived (HKDF) from
// TICKET_SECRET, or IDENTITY_PEPPER when that is unset; the ticket is bound to the user id and
// expires after two hours, the window in which WeChat accepts an openid for the check.

export const CHECK_TICKET_TTL_MS = 2 * 60 * 60 * 1000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const IV_BYTES = 12;

const keys = new Map<string, Promise<CryptoKey>>();

function ticketKey(env: Env): Promise<CryptoKey> {
  const secret = env.TICKET_SECRET?.trim() || env.IDENTITY_PEPPER;
  let key = keys.get(secret);
  if (!key) {
    key = (async () => {
      const material = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: encoder.encode("onechat/check-ticket"), info: encoder.encode("aes-256-gcm v1") },
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

const additionalData = (userId: string) => encoder.encode(`check-ticket:v1:${userId}`);

/** Seals `openid` for `userId` until now + 2 h; returns the ticket and its expiry. */
export async function sealTicket(
  env: Env,
  openid: string,
  now: number,
  userId: string,
): Promise<{ ticket: string; expiresAt: number }> {
  const expiresAt = now + CHECK_TICKET_TTL_MS;
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: additionalData(userId) },
    await ticketKey(env),
    encoder.encode(JSON.stringify({ o: openid, x: expiresAt })),
  );
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv, 0);
  out.set(new Uint8Array(sealed), IV_BYTES);
  return { ticket: toBase64Url(out), expiresAt };
}

/** The openid inside a ticket sealed for `userId`, or null if it is forged, someone else's, or expired. */
export async function openTicket(env: Env, ticket: string, now: number, userId: string): Promise<string | null> {
  if (ticket.length > 1024) return null;
  const bytes = fromBase64Url(ticket);
  if (!bytes || bytes.length <= IV_BYTES + 16) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.slice(0, IV_BYTES), additionalData: additionalData(userId) },
      await ticketKey(env),
      bytes.slice(IV_BYTES),
    );
    const body = JSON.parse(decoder.decode(plain)) as { o?: unknown; x?: unknown };
    if (typeof body.o !== "string" || body.o === "" || typeof body.x !== "number" || body.x <= now) return null;
    return body.o;
  } catch {
    return null;
  }
}
