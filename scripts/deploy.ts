// The last step of `npm run deploy`: `wrangler deploy`, with the Workers AI binding added when the
// operator asks for automatic triage (ONECHAT_AI=on). The binding is never in wrangler.toml itself:
// Workers AI has no local simulator, so with it there `npm run dev` would need a Cloudflare login.
// The config with it is written beside wrangler.toml (same relative paths) and git-ignored.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const AI_CONFIG = "wrangler.deploy.toml";

/** wrangler.toml plus the AI binding, as `wrangler deploy --config` reads it. */
export function withAiBinding(toml: string): string {
  if (/^\[ai\]/m.test(toml)) return toml;
  return `${toml.trimEnd()}\n\n# Added by scripts/deploy.ts (ONECHAT_AI=on): the safety model for report triage.\n[ai]\nbinding = "AI"\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = ["wrangler", "deploy", ...process.argv.slice(2)];
  if (process.env.ONECHAT_AI === "on") {
    writeFileSync(join(root, AI_CONFIG), withAiBinding(readFileSync(join(root, "wrangler.toml"), "utf8")));
    args.push("--config", AI_CONFIG);
    console.log(`Deploying with the Workers AI binding (AI) from ${AI_CONFIG}.`);
  }
  const run = spawnSync("npx", args, { cwd: root, stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  process.exit(run.status ?? 1);
}
