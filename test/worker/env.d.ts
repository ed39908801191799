import type { D1Migration } from "cloudflare:test";

// The tests' env is the worker's (worker-configuration.d.ts + worker/env.ts) plus the migrations
// test/worker/vitest.config.ts passes in.
declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
