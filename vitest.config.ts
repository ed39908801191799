import { defineConfig } from "vitest/config";

// `npm test` runs every project: the worker inside workerd, Node end-to-end tests against
// Miniflare, and the mini program under jsdom.
export default defineConfig({
  test: {
    projects: ["test/worker/vitest.config.ts", "test/worker/vitest.shards.config.ts", "test/node/vitest.config.ts", "miniprogram/vitest.config.ts"],
  },
});
