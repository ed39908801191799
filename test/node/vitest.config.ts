import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";

// Node-side tests: real WebSocket clients against the worker started through Miniflare.
export default defineProject({
  test: {
    name: "node",
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/node/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
