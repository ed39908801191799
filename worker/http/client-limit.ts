import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app";
import { requestClientKey } from "./client-key";
import type { BucketRule } from "../limits/token-bucket";
import { limitShared } from "../limits/shared-limiter";

/**
 * Limits a REST route per client (see client-key.ts: the CF-Connecting-IP address, IPv6 by its
 * /64). Requests without an address share one bucket, so leaving the header out gains nothing.
 */
export const limitPerClient = (scope: string, rule: BucketRule) =>
  createMiddleware<AppEnv>(async (c, next) => {
    await limitShared(c.env, scope, requestClientKey(c.req.raw), rule);
    await next();
  });
