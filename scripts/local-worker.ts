// Starts the worker in Miniflare from Node, the way the end-to-end tests, the terminal client
// and the benchmark need it: bundled from worker/index.ts, bindings read from wrangler.toml,
// every drizzle/ migration applied to a fresh D1, random local secrets, dev login on, listening
// on 127.0.0.1 at a free port. All state lives in a temp directory removed by stop().
// With `ref`, the worker is built from that commit instead of the working tree, so a benchmark
// measures committed code even while people are editing.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const root = fileURLToPath(new URL("..", import.meta.url));

export interface LocalWorkerOptions {
  /** Overrides for wrangler.toml vars and the local secrets (e.g. WECHAT_API_BASE, RETENTION_DAYS). */
  vars?: Record<string, string>;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Miniflare log level; errors only by default so benchmarks stay quiet. */
  logLevel?: LogLevel;
  /** Where the temp state directory goes (default: the OS temp dir); e.g. /dev/shm to take disk syncs out of the picture. */
  stateRoot?: string;
  /** A git revision (e.g. "HEAD") to build worker/, wrangler.toml and drizzle/ from; default: the working tree. */
  ref?: string;
  /** Another entry module (relative to the project root), e.g. the benchmark's bench/worker/entry.ts. */
  entry?: string;
  /** Extra Durable Object bindings (binding → exported class), for classes only that entry exports. */
  durableObjects?: Record<string, string>;
  /** Opens workerd's V8 inspector on this port (bench/profile.ts takes CPU profiles through it). */
  inspectorPort?: number;
}

export interface LocalWorker {
  /** http://127.0.0.1:<port> */
  url: string;
  /** ws://127.0.0.1:<port> */
  wsUrl: string;
  /** The vars and secrets the worker runs with (ADMIN_TOKEN included, for admin calls). */
  vars: Record<string, string>;
  mf: Miniflare;
  stop(): Promise<void>;
}

/** The worker as one ES module, bundled the way wrangler would (workerd conditions, cloudflare:* external). */
async function bundleWorker(entry: string, define: Record<string, string>): Promise<string> {
  const result = await build({
    nodePaths: [join(root, "node_modules")],
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    define,
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

/** drizzle-kit writes NNNN_name.sql files with `--> statement-breakpoint` between statements. */
export function readMigrations(dir = join(root, "drizzle")): { name: string; statements: string[] }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((name) => ({
      name,
      statements: readFileSync(join(dir, name), "utf8")
        .split("--> statement-breakpoint")
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    }));
}

const secret = () => randomBytes(32).toString("base64url");

/** Extracts worker/, wrangler.toml and drizzle/ as of `ref` into `dir`. */
function checkout(ref: string, dir: string): void {
  const archive = execFileSync("git", ["archive", "--format=tar", ref, "worker", "bench", "wrangler.toml", "drizzle", "web/public"], { cwd: root, maxBuffer: 64 << 20 });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
}

export async function startLocalWorker(options: LocalWorkerOptions = {}): Promise<LocalWorker> {
  const stateDir = mkdtempSync(join(options.stateRoot ?? tmpdir(), "onechat-local-"));
  let source = root;
  let config: ReturnType<typeof unstable_getMiniflareWorkerOptions>;
  let script: string;
  try {
    if (options.ref) {
      source = join(stateDir, "source");
      mkdirSync(source);
      checkout(options.ref, source);
    }
    config = unstable_getMiniflareWorkerOptions(join(source, "wrangler.toml"));
    script = await bundleWorker(options.entry ? join(source, options.entry) : (config.main ?? join(source, "worker/index.ts")), config.define);
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  const fromToml = (config.workerOptions.bindings ?? {}) as Record<string, string>;
  const vars: Record<string, string> = {
    ...fromToml,
    DEV_LOGIN: "true",
    SESSION_SECRET: secret(),
    IDENTITY_PEPPER: secret(),
    ADMIN_TOKEN: secret(),
    ...options.vars,
  };
  const { modulesRules: _rules, rootPath: _rootPath, ...workerOptions } = config.workerOptions as typeof config.workerOptions & {
    rootPath?: string;
  };
  const extraObjects = Object.fromEntries(
    Object.entries(options.durableObjects ?? {}).map(([binding, className]) => [binding, { className, useSQLite: true }]),
  );
  workerOptions.durableObjects = { ...(workerOptions.durableObjects ?? {}), ...extraObjects };
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: options.port ?? 0,
      inspectorPort: options.inspectorPort,
      log: new Log(options.logLevel ?? LogLevel.ERROR),
      resourcePersistencePath: stateDir,
      ...workerOptions,
      name: "onechat",
      // A name under the project root (workerd refuses paths outside it); the contents are the bundle.
      modules: [{ type: "ESModule", path: join(root, "worker/index.mjs"), contents: script }],
      bindings: vars,
    }),
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await mf.dispose();
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  };
  try {
    const url = await mf.ready;
    const db = await mf.getD1Database("DB");
    for (const migration of readMigrations(join(source, "drizzle"))) {
      await db.batch(migration.statements.map((sql) => db.prepare(sql)));
    }
    if (options.ref) rmSync(source, { recursive: true, force: true });
    const origin = `http://127.0.0.1:${url.port}`;
    return { url: origin, wsUrl: origin.replace(/^http/, "ws"), vars, mf, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// `tsx scripts/local-worker.ts [--port 8787]`: run it by hand (Ctrl-C to stop).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf("--port");
  const worker = await startLocalWorker({ port: i > 0 ? Number(process.argv[i + 1]) : 0, logLevel: LogLevel.INFO });
  console.log(`onechat worker on ${worker.url} (dev login on, ADMIN_TOKEN=${worker.vars.ADMIN_TOKEN})`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void worker.stop().then(() => process.exit(0)));
}
