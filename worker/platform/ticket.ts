import type { Env } from "../env";
import { openJson, sealJson } from "../lib/aes-gcm";
import { sealingSecret } from "./sealed";

// The check ticket: the openid that msgSecCheck v2 needs, sealed (AES-256-GCM) for the client to
// carry back to the room socket, so the server never stores it. The key is derived (HKDF) from
// TICKET_SECRET, or IDENTITY_PEPPER when that is unset; the ticket is bound to the user id and
// expires after two hours, the window in which WeChat accepts an openid for the check.

export const CHECK_TICKET_TTL_MS = 2 * 60 * 60 * 1000;

const SALT = "onechat/check-ticket";
const aad = (userId: string) => `check-ticket:v1:${userId}`;

/** Seals `openid` for `userId` until now + 2 h; returns the ticket and its expiry. */
export async function sealTicket(
  env: Env,
  openid: string,
  now: number,
  userId: string,
): Promise<{ ticket: string; expiresAt: number }> {
  const expiresAt = now + CHECK_TICKET_TTL_MS;
  const ticket = await sealJson(sealingSecret(env), SALT, aad(userId), { o: openid, x: expiresAt });
  return { ticket, expiresAt };
}

/** The openid inside a ticket sealed for `userId`, or null if it is forged, someone else's, or expired. */
export async function openTicket(env: Env, ticket: string, now: number, userId: string): Promise<string | null> {
  if (ticket.length > 1024) return null;
  const body = (await openJson(sealingSecret(env), SALT, aad(userId), ticket)) as { o?: unknown; x?: unknown } | null;
  if (!body || typeof body.o !== "string" || body.o === "" || typeof body.x !== "number" || body.x <= now) return null;
  return body.o;
}
