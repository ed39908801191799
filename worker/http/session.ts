import { createMiddleware } from "hono/factory";
import { findUser, touchUser } from "../db/users";
import type { UserRow } from "../db/schema";
import { numberVar, type Env } from "../env";
import { AppError } from "../errors";
import { signJwt, verifyJwt } from "../lib/jwt";
import type { AppEnv } from "./app";

/** A signed, expiring token that carries the user id and nothing else. */
export async function issueSessionToken(env: Env, userId: string, now = Date.now()) {
  const ttlSeconds = numberVar(env.SESSION_TTL_SECONDS, 7 * 24 * 3600);
  const iat = Math.floor(now / 1000);
  const exp = iat + ttlSeconds;
  const token = await signJwt({ sub: userId, iat, exp }, env.SESSION_SECRET);
  return { token, expiresAt: exp * 1000 };
}

async function userIdFromToken(env: Env, token: string): Promise<string> {
  // Expired, forged or malformed: all the same to the client.
  const userId = await verifyJwt(token, env.SESSION_SECRET);
  if (userId) return userId;
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

/** A user row that may act: it exists and is not banned (401/403 otherwise). */
export function activeUser(user: UserRow | undefined): UserRow {
  if (!user) throw new AppError("unauthorized", "This account no longer exists; log in again", 401);
  if (user.bannedAt !== null) throw new AppError("banned", "This account has been banned", 403);
  return user;
}

/** Resolves the caller to a live, unbanned user, or throws 401/403. */
export async function authenticate(env: Env, request: Request): Promise<UserRow> {
  return activeUser(await findUser(env.DB, await sessionUserId(env, request)));
}

/** Puts the authenticated user on `c.var.user`. */
export const requireUser = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const user = await authenticate(c.env, c.req.raw);
    c.set("user", user);
    c.executionCtx.waitUntil(touchUser(c.env.DB, user, Date.now()));
    await next();
  });
