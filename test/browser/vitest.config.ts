import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";

// `npm run test:browser`: the web chat and the admin console in a real Chromium (playwright-core
// driving the system's browser) against the worker in Miniflare. Not part of `npm test`.
export default defineProject({
  test: {
    name: "browser",
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    // One browser at a time on a busy machine; each file starts its own worker on its own port.
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
