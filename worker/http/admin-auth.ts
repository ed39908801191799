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
 * Admin calls carry `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. Each wrong
 * or missing token costs the client one try from ADMIN_AUTH_RULE and leaves an audit row
 * (`admin_auth_failed`, target: a keyed hash of the client, never the address); a client with no
 * tries left gets 429 `too_many_attempts` for every admin call until one flows back.
 */
export const requireAdmin = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const client = requestClientKey(c.req.raw);
    const limiter = await limiterStub(c.env, SCOPE, client);
    const left = await limiter.peek(ADMIN_AUTH_RULE).catch((error: unknown) => {
      // A broken limiter must not lock the admins out; the token check still stands.
      console.error("admin limiter unreachable", describeError(error));
      return { ok: true, retryAfterMs: 0 };
    });
    if (!left.ok) {
      const minutes = Math.max(1, Math.ceil(left.retryAfterMs / 60_000));
      throw new AppError("too_many_attempts", `Too many wrong admin tokens; try again in ${minutes} min`, 429);
    }
    const token = tokenFrom(c.req.raw, false);
    const expected = c.env.ADMIN_TOKEN;
    if (!token || !expected || !(await constantTimeEqual(token, expected))) {
      const [, name] = await Promise.all([
        limiter.take(ADMIN_AUTH_RULE).catch((error: unknown) => console.error("admin limiter unreachable", describeError(error))),
        limiterName(c.env, SCOPE, client),
      ]);
      await auditStatement(c.env.DB, "admin_auth_failed", name, null);
      throw new AppError("unauthorized", "Admin token missing or wrong", 401);
    }
    await next();
  });
