// Dev login for the web chat: each browser tab is its own person (a random name kept in
// sessionStorage, so a reload stays the same person), and its token is kept there too.
import type { LoginResponse } from "../../../worker/protocol";

const NAME_KEY = "onechat.web.name";
const SESSION_KEY = "onechat.web.session";
/** Log in again when less than this is left. */
const RENEW_BEFORE_MS = 5 * 60_000;

export class LoginError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

function devName(): string {
  let name = sessionStorage.getItem(NAME_KEY);
  if (!name) {
    const bytes = crypto.getRandomValues(new Uint8Array(9));
    name = `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    sessionStorage.setItem(NAME_KEY, name);
  }
  return name;
}

export async function sessionToken(fresh: boolean): Promise<string> {
  if (!fresh) {
    try {
      const stored = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? "null") as { token: string; expiresAt: number } | null;
      if (stored && stored.expiresAt - Date.now() > RENEW_BEFORE_MS) return stored.token;
    } catch {
      // a broken entry: log in again
    }
  }
  const res = await fetch("/api/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ platform: "dev", code: devName() }),
  });
  const body = (await res.json().catch(() => null)) as (LoginResponse & { error?: { code: string } }) | null;
  if (!res.ok || !body?.token) throw new LoginError(body?.error?.code ?? "login_failed");
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token: body.token, expiresAt: body.expiresAt, userId: body.user.id }));
  return body.token;
}

/** A REST call with the session token (report and block over HTTP). */
export async function authedPost(path: string, body: unknown): Promise<void> {
  const res = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${await sessionToken(false)}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) {
    const err = (await res.json().catch(() => null)) as { error?: { code: string } } | null;
    throw new LoginError(err?.error?.code ?? "internal");
  }
}

/** A REST call with the session token that returns the JSON body (or nothing for 204). */
export async function authedJson<T>(path: string, method: "GET" | "DELETE" | "POST" = "GET"): Promise<T | null> {
  const res = await fetch(path, { method, headers: { Authorization: `Bearer ${await sessionToken(false)}` } });
  if (!res.ok) {
    const err = (await res.json().catch(() => null)) as { error?: { code: string } } | null;
    throw new LoginError(err?.error?.code ?? "internal");
  }
  return res.status === 204 ? null : ((await res.json()) as T);
}

export const authedPostJson = <T>(path: string) => authedJson<T>(path, "POST");
