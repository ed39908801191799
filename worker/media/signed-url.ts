import type { Env } from "../env";
import { constantTimeEqual } from "../lib/constant-time";
import { hmacSha256Hex } from "../lib/hmac";

// Short-lived links to one picture, signed by the worker (HMAC-SHA256). R2 is never public: a
// picture leaves only through GET /api/media/:id with a valid, unexpired signature.
//   "check": for the platform's content check to fetch the picture while it is pending.
//   "view":  for the people in the conversation, only once it has passed.
//   "admin": for an admin reviewing it, pending or passed.

export type MediaScope = "check" | "view" | "admin";
const SCOPES: readonly string[] = ["check", "view", "admin"];

const key = (env: Env) => env.MEDIA_URL_SECRET?.trim() || env.SESSION_SECRET;
const message = (scope: MediaScope, id: string, expires: number) => `media-url:v1:${scope}:${id}:${expires}`;

/** The worker's public origin: PUBLIC_BASE_URL, else the origin the request came in on. */
export function publicOrigin(env: Env, requestUrl: string): string {
  const configured = env.PUBLIC_BASE_URL?.trim().replace(/\/+$/, "");
  return configured || new URL(requestUrl).origin;
}

/** An absolute URL for `id` under `origin`, usable until `expiresAt` (ms; rounded down to seconds). */
export async function signMediaUrl(
  env: Env,
  origin: string,
  id: string,
  scope: MediaScope,
  expiresAt: number,
): Promise<string> {
  const expires = Math.floor(expiresAt / 1000);
  const sig = await hmacSha256Hex(key(env), message(scope, id, expires));
  const query = new URLSearchParams({ scope, expires: String(expires), sig });
  return `${origin}/api/media/${encodeURIComponent(id)}?${query}`;
}

export type MediaUrlCheck = { ok: true; scope: MediaScope } | { ok: false; reason: "invalid" | "expired" };

/** Checks a request's signature first (forged links learn nothing), then its expiry. */
export async function verifyMediaUrl(env: Env, id: string, query: URLSearchParams, now: number): Promise<MediaUrlCheck> {
  const scope = query.get("scope");
  const expires = Number(query.get("expires"));
  const sig = query.get("sig") ?? "";
  if (scope === null || !SCOPES.includes(scope) || !Number.isSafeInteger(expires)) return { ok: false, reason: "invalid" };
  const expected = await hmacSha256Hex(key(env), message(scope as MediaScope, id, expires));
  if (!(await constantTimeEqual(sig, expected))) return { ok: false, reason: "invalid" };
  if (expires * 1000 <= now) return { ok: false, reason: "expired" };
  return { ok: true, scope: scope as MediaScope };
}
