import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";
import { FAKE_CREDENTIALS } from "../fakes/platform-server.ts";

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

// Tests run inside workerd with the real D1 and Durable Objects, configured from wrangler.toml;
// only secrets and test-speed timings are overridden here.
/** The worker project; `variant` changes bindings (vitest.shards.config.ts: two history databases). */
export function workerProject(variant?: { name: string; include: string[]; bindings: Record<string, string>; d1Databases: Record<string, string> }) {
  return defineProject({
  plugins: [
    cloudflareTest(async ({ inject }) => ({
      main: root("worker/index.ts"),
      wrangler: { configPath: root("wrangler.toml") },
      miniflare: {
        bindings: {
          DEV_LOGIN: "true",
          SESSION_SECRET: "test-session-secret-0123456789abcdef",
          IDENTITY_PEPPER: "test-identity-pepper-0123456789abcdef",
          ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
          ...FAKE_CREDENTIALS,
          WECHAT_API_BASE: inject("platformBase"),
          QQ_API_BASE: inject("platformBase"),
          PLATFORM_TIMEOUT_MS: "1000",
          TOPIC_FALLBACK_MS: "300",
          RECONNECT_GRACE_MS: "400",
          D1_FLUSH_DELAY_MS: "50",
          WECHAT_PUSH_TOKEN: "test-push-token",
          WECHAT_TEMPLATE_MATCHED: "tmpl-wx-matched",
          WECHAT_TEMPLATE_REPLY: "tmpl-wx-reply",
          QQ_TEMPLATE_MATCHED: "tmpl-qq-matched",
          // Generous for a busy machine; "[slow]" answers take a minute, far past it.
          AI_TIMEOUT_MS: "3000",
          TEST_MIGRATIONS: await readD1Migrations(root("drizzle")),
          ...variant?.bindings,
        },
        // Workers AI has no local simulator: `AI` is a fake answering in Llama Guard's format.
        serviceBindings: { AI: { name: "fake-ai", entrypoint: "FakeAi" } },
        workers: [
          {
            name: "fake-ai",
            compatibilityDate: "2026-10-01",
            modulesRoot: root(""),
            modules: [
              { type: "ESModule", path: root("test/fakes/fake-ai-worker.js") },
              { type: "ESModule", path: root("test/fakes/llama-guard-fake.js") },
            ],
          },
        ],
        ...(variant ? { d1Databases: variant.d1Databases } : {}),
      },
    })),
  ],
  test: {
    name: variant?.name ?? "worker",
    // Waits are for positive events; on two busy cores some (alarms, D1 batches) take seconds.
    testTimeout: 20_000,
    root: root(""),
    include: variant?.include ?? ["test/worker/**/*.test.ts"],
    exclude: variant ? [] : ["test/worker/shards/**"],
    setupFiles: ["test/worker/setup.ts"],
    globalSetup: ["test/fakes/global-setup.ts"],
  },
  });
}

export default workerProject();
