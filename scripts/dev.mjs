// `npm run dev`: make sure .dev.vars exists (random local secrets, dev login on), apply the D1
// migrations to the local embedded database, build the web pages, then start wrangler dev.
import { spawnSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

if (!existsSync(".dev.vars")) {
  const secret = () => randomBytes(32).toString("base64url");
  const text = readFileSync(".dev.vars.example", "utf8")
    .replace(/^SESSION_SECRET=.*$/m, `SESSION_SECRET=${secret()}`)
    .replace(/^IDENTITY_PEPPER=.*$/m, `IDENTITY_PEPPER=${secret()}`)
    .replace(/^ADMIN_TOKEN=.*$/m, `ADMIN_TOKEN=${secret()}`);
  writeFileSync(".dev.vars", text);
  console.log("Created .dev.vars with random local secrets (dev login on). ADMIN_TOKEN is in that file.");
}

const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
// The web chat (/) and the admin console (/admin) load these bundles.
const web = spawnSync("node", ["web/build.mjs"], { stdio: "inherit", env });
if (web.status !== 0) process.exit(web.status ?? 1);
// DB and every history shard database wrangler.toml declares (HISTORY_2 … HISTORY_N, docs/scaling.md).
const shards = [...readFileSync("wrangler.toml", "utf8").matchAll(/^binding = "(HISTORY_\d+)"/gm)].map((m) => m[1]);
for (const binding of ["DB", ...shards]) {
  const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", binding, "--local"], {
    stdio: "inherit",
    env,
  });
  if (migrate.status !== 0) process.exit(migrate.status ?? 1);
}

const dev = spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", process.env.PORT ?? "8787", ...process.argv.slice(2)], {
  stdio: "inherit",
  env,
});
dev.on("exit", (code) => process.exit(code ?? 0));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
