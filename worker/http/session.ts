import { createMiddleware } from "hono/factory";
import { findUser, touchUser } from "../db/users";
import type { UserRow } from "../db/schema";
import { numberVar, type Env } from "../env";
import { AppError } from "../errors";
import { LOGIN_DISABLED_MESSAGE, loginKindEnabled } from "../login-kinds";
import { signJwt, verifyJwtClaims } from "../lib/jwt";
import type { AppEnv } from "./app";

/** A signed, expiring token that carries the user id and nothing else. */
export async function issueSessionToken(env: Env, userId: string, platform: UserRow["platform"], now = Date.now()) {
  const ttlSeconds = numberVar(env.SESSION_TTL_SECONDS, 7 * 24 * 3600);
  const iat = Math.floor(now / 1000);
  const exp = iat + ttlSeconds;
  const token = await signJwt(platform === "dev" ? { sub: userId, iat, exp, knd: "dev" } : { sub: userId, iat, exp }, env.SESSION_SECRET);
  return { token, expiresAt: exp * 1000 };
}

async function userIdFromToken(env: Env, token: string): Promise<string> {
  // Expired, forged or malformed: all the same to the client.
  const claims = await verifyJwtClaims(token, env.SESSION_SECRET);
  // Older tokens carry no kind: activeUser and the lobby's admission check the user row too.
  if (claims?.knd === "dev" && !loginKindEnabled(env, "dev")) throw new AppError("login_disabled", LOGIN_DISABLED_MESSAGE, 401);
  if (claims) return claims.sub;
  throw new AppError("unauthorized", "The session token is missing, expired or invalid; log in again", 401);
}

/** Bearer header first; `?token=` for WebSocket clients that cannot set headers. */
export function tokenFrom(request: Request, allowQuery: boolean): string | null {
  const header = request.headers.get("Authorization");
  const match = header?.match(/^Bearer\s+(.+)$/i);
  if (match) return match[1].trim();
  if (allowQuery) return new URL(request.url).searchParams.get("token");
  return null;
}

/** The user id a valid session token names (no database read), or 401. */
export async function sessionUserId(env: Env, request: Request, allowQuery = false): Promise<string> {
  const token = tokenFrom(request, allowQuery);
  if (!token) throw new AppError("unauthorized", "Log in first: no session token was sent", 401);
  return userIdFromToken(env, token);
}

/** A user row that may act: it exists, its login kind is still on, and it is not banned (401/403 otherwise). */
export function activeUser(env: Env, user: UserRow | undefined): UserRow {
  if (!user) throw new AppError("unauthorized", "This account no longer exists; log in again", 401);
  if (!loginKindEnabled(env, user.platform)) throw new AppError("login_disabled", LOGIN_DISABLED_MESSAGE, 401);
  if (user.bannedAt !== null) throw new AppError("banned", "This account has been banned", 403);
  return user;
}

/** Resolves the caller to a live, unbanned user, or throws 401/403. */
export async function authenticate(env: Env, request: Request): Promise<UserRow> {
  return activeUser(env, await findUser(env.DB, await sessionUserId(env, request)));
}

/** Puts the authenticated user on `c.var.user`. */
export const requireUser = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const user = await authenticate(c.env, c.req.raw);
    c.set("user", user);
    c.executionCtx.waitUntil(touchUser(c.env.DB, user, Date.now()));
    await next();
  });
