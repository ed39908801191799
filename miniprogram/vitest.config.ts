import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";

// The mini program: its protocol client and its pages/components under miniprogram-simulate (jsdom).
export default defineProject({
  test: {
    name: "miniprogram",
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["test/**/*.test.ts"],
    environment: "jsdom",
    passWithNoTests: true,
  },
});
