import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app";
import type { BucketRule } from "./token-bucket";
import { limitShared } from "./shared-limiter";

/**
 * Limits a REST route per client address (CF-Connecting-IP, which Cloudflare sets on every
 * request from the internet and `wrangler dev` sets to the local address). A request without it
 * reached the worker from inside (a service binding, the test harness): there is no client to
 * tell apart, and one shared bucket for all of them would throttle every test as one client.
 */
export const limitPerClient = (scope: string, rule: BucketRule) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const address = c.req.header("CF-Connecting-IP");
    if (address) await limitShared(c.env, scope, address, rule);
    await next();
  });
