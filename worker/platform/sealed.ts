import type { Env } from "../env";
import { openJson, sealJson } from "../lib/aes-gcm";

// A value sealed (AES-256-GCM) for one purpose and one user until a time: only this worker can
// open it, only for that purpose and user, and not after it expires. Used for the openid kept with
// a subscribe-message consent; the login's check ticket (ticket.ts) uses the same key secret.

/** The secret both sealed values and check tickets derive their keys from. */
export function sealingSecret(env: Env): string {
  return env.TICKET_SECRET?.trim() || env.IDENTITY_PEPPER;
}

const SALT = "onechat/sealed";
const aad = (purpose: string, userId: string) => `sealed:v1:${purpose}:${userId}`;

export function seal(env: Env, purpose: string, userId: string, value: string, expiresAt: number): Promise<string> {
  return sealJson(sealingSecret(env), SALT, aad(purpose, userId), { v: value, x: expiresAt });
}

/** The sealed value, or null if it was sealed for another purpose or user, is forged, or has expired. */
export async function unseal(env: Env, purpose: string, userId: string, sealed: string, now: number): Promise<string | null> {
  const body = (await openJson(sealingSecret(env), SALT, aad(purpose, userId), sealed)) as { v?: unknown; x?: unknown } | null;
  if (!body || typeof body.v !== "string" || typeof body.x !== "number" || body.x <= now) return null;
  return body.v;
}
