// `npm run types` writes worker-configuration.d.ts (the worker's Env) from wrangler.toml with `wrangler
// types`; secrets are typed from .dev.vars.example, so the output never depends on a local .dev.vars.
// `npm run check:types` (run by `npm test`) regenerates it aside and fails when the committed file
// differs: wrangler's own --check compares only the hash in the header and misses hand edits.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const OUT = "worker-configuration.d.ts";
const FLAGS = ["--env-file=.dev.vars.example", "--include-runtime=false", "--strict-vars=false"];

function wranglerTypes(path: string, dir: string): void {
  const args = [join(root, "node_modules/wrangler/bin/wrangler.js"), "types", ...(path === OUT ? [] : [path]), ...FLAGS];
  const run = spawnSync(process.execPath, args, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    timeout: 120_000,
  });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    throw new Error(`wrangler types failed (${run.error?.message ?? `exit ${run.status}`})`);
  }
}

/** The first line where two texts differ, 1-based, or 0 when they are equal. */
export function firstDifference(a: string, b: string): number {
  const x = a.split("\n");
  const y = b.split("\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return i + 1;
  return 0;
}

/** Whether `dir`'s worker-configuration.d.ts is what wrangler.toml generates (the project root by default). */
export function checkTypes(dir = root): boolean {
  // Same folder as the real file, so the generated import("./worker/index") paths match.
  const aside = ".worker-configuration.check.d.ts";
  let fresh: string;
  try {
    wranglerTypes(aside, dir);
    // The header repeats the command line, which names the output path; the rest must match exactly.
    fresh = readFileSync(join(dir, aside), "utf8").replace(` ${aside}\``, "`");
  } finally {
    rmSync(join(dir, aside), { force: true });
  }
  let committed = "";
  try {
    committed = readFileSync(join(dir, OUT), "utf8");
  } catch {
    console.error(`${OUT} is missing. Run \`npm run types\` and commit it.`);
    return false;
  }
  const line = firstDifference(committed, fresh);
  if (line === 0) {
    console.log(`${OUT} matches wrangler.toml.`);
    return true;
  }
  console.error(
    `${OUT} does not match wrangler.toml (first difference at line ${line}).\n` +
      "Run `npm run types` and commit the result; do not edit the generated file by hand.",
  );
  return false;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes("--check")) process.exit(checkTypes() ? 0 : 1);
  wranglerTypes(OUT, root);
  console.log(`Wrote ${OUT}.`);
}
