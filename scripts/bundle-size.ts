// `npm run build:check` (CI): bundles the worker exactly as `wrangler deploy` would (`--dry-run`, no
// account or network needed), fails when it cannot build, and prints the size Cloudflare counts
// against the Worker size limit (gzip: 3 MiB on the free plan, 10 MiB on paid).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const FREE_LIMIT = 3 * 1024 * 1024;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

const out = mkdtempSync(join(tmpdir(), "onechat-bundle-"));
try {
  const run = spawnSync(process.execPath, [join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", out], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 300_000,
  });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    console.error(`wrangler deploy --dry-run failed (${run.error?.message ?? `exit ${run.status}`}): the worker does not build.`);
    process.exit(1);
  }
  const modules = readdirSync(out).filter((f) => /\.(m?js|wasm)$/.test(f));
  let raw = 0;
  let gzip = 0;
  for (const file of modules) {
    const bytes = readFileSync(join(out, file));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  console.log(`worker bundle: ${modules.join(", ")} ${kib(raw)}, gzip ${kib(gzip)} (free plan limit ${kib(FREE_LIMIT)} gzip)`);
  if (gzip > FREE_LIMIT) console.warn("The bundle is over the free plan's limit; a paid plan allows 10 MiB.");
} finally {
  rmSync(out, { recursive: true, force: true });
}
