import { createMiddleware } from "hono/factory";
import { auditStatement } from "../db/admin";
import { describeError, AppError } from "../errors";
import { requestClientKey } from "./client-key";
import { ADMIN_AUTH_RULE } from "../limits/rules";
import { limiterName, limiterStub } from "../limits/shared-limiter";
import { constantTimeEqual } from "../lib/constant-time";
import { tokenFrom } from "./session";
import type { AppEnv } from "./app";

const SCOPE = "admin-auth";

/**
 * Admin calls carry `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. The answer
 * waits for the limiter's one atomic step (RateLimiter.admit): a client with no tries left gets 429
 * `too_many_attempts` for every admin call, the right token included, and a wrong token takes one
 * try in that same step. So 40 parallel wrong guesses get at most ADMIN_AUTH_RULE.burst answers of
 * 401 and the rest 429: nothing tells them apart from a right guess. Each 401 leaves an audit row
 * (`admin_auth_failed`, target: a keyed hash of the client, never the address).
 */
export const requireAdmin = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const client = requestClientKey(c.req.raw);
    const token = tokenFrom(c.req.raw, false);
    const expected = c.env.ADMIN_TOKEN;
    const right = Boolean(token && expected && (await constantTimeEqual(token, expected)));
    const limiter = await limiterStub(c.env, SCOPE, client);
    const admitted = await limiter.admit(ADMIN_AUTH_RULE, !right).catch((error: unknown) => {
      // A broken limiter must not lock the admins out; the token check still stands.
      console.error("admin limiter unreachable", describeError(error));
      return { ok: true, retryAfterMs: 0 };
    });
    if (!admitted.ok) {
      const minutes = Math.max(1, Math.ceil(admitted.retryAfterMs / 60_000));
      throw new AppError("too_many_attempts", `Too many wrong admin tokens; try again in ${minutes} min`, 429);
    }
    if (!right) {
      await auditStatement(c.env.DB, "admin_auth_failed", await limiterName(c.env, SCOPE, client), null);
      throw new AppError("unauthorized", "Admin token missing or wrong", 401);
    }
    await next();
  });
