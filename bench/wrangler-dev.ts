// Starts the benchmark's worker entry the way `npm run dev` runs onechat: `wrangler dev`, local
// state on a real disk (a directory under the OS temp dir, not tmpfs), D1 migrated with
// `wrangler d1 migrations apply --local`. Its own process group, so the SIGKILL step can kill
// wrangler and workerd together, and a restart on the same state directory finds what was stored.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sleep } from "./schedule";

const root = fileURLToPath(new URL("..", import.meta.url));
/** Generated next to wrangler.toml so its relative paths (drizzle/) hold; git-ignored. */
const CONFIG = join(root, ".bench.wrangler.toml");

export const BENCH_OBJECTS = { REFERENCE_ROOM: "ReferenceRoom", VOLATILE_ROOM: "VolatileRoom" } as const;

/** wrangler.toml with the bench entry and the bench-only objects added. */
function writeConfig(): void {
  let toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  toml = toml.replace(/^main = .*$/m, 'main = "bench/worker/entry.ts"');
  const bindings = Object.entries(BENCH_OBJECTS).map(([name, cls]) => `  { name = "${name}", class_name = "${cls}" },\n`).join("");
  toml = toml.replace(/^bindings = \[\n/m, (m) => m + bindings);
  toml += `\n[[migrations]]\ntag = "bench-only"\nnew_sqlite_classes = [${Object.values(BENCH_OBJECTS).map((c) => `"${c}"`).join(", ")}]\n`;
  writeFileSync(CONFIG, toml);
}

export interface DevServer {
  url: string;
  wsUrl: string;
  vars: Record<string, string>;
  stateDir: string;
  /** The process group of wrangler and workerd (bench/cpu.ts reads their CPU time); changes on restart. */
  pgid(): number | undefined;
  /** SIGKILL to wrangler and workerd at once: no shutdown, no flush. */
  kill(): void;
  /** Starts again on the same state directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`wrangler dev not ready on ${url} within ${timeoutMs} ms`);
}

/** `inspectorPort`: wrangler's inspector proxy on that port (bench/profile.ts takes CPU profiles through it). */
export async function startWranglerDev(port: number, vars: Record<string, string>, inspectorPort?: number): Promise<DevServer> {
  writeConfig();
  const stateDir = mkdtempSync(join(tmpdir(), "onechat-bench-dev-"));
  const allVars: Record<string, string> = {
    DEV_LOGIN: "true",
    SESSION_SECRET: randomBytes(32).toString("base64url"),
    IDENTITY_PEPPER: randomBytes(32).toString("base64url"),
    ADMIN_TOKEN: randomBytes(32).toString("base64url"),
    ...vars,
  };
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" };
  const wrangler = join(root, "node_modules/.bin/wrangler");
  const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--config", CONFIG, "--persist-to", stateDir], { cwd: root, env, encoding: "utf8" });
  if (migrate.status !== 0) throw new Error(`d1 migrations failed: ${migrate.stderr || migrate.stdout}`);
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  const start = async () => {
    const args = ["dev", "--config", CONFIG, "--ip", "127.0.0.1", "--port", String(port), "--persist-to", stateDir, "--log-level", "error", "--no-show-interactive-dev-session"];
    if (inspectorPort !== undefined) args.push("--inspector-port", String(inspectorPort));
    for (const [k, v] of Object.entries(allVars)) args.push("--var", `${k}:${v}`);
    child = spawn(wrangler, args, { cwd: root, env, detached: true, stdio: ["ignore", "ignore", "inherit"] });
    await waitReady(url, child, 60_000);
  };
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const exited = () => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
  await start();
  return {
    url,
    wsUrl: url.replace(/^http/, "ws"),
    vars: allVars,
    stateDir,
    pgid: () => child.pid,
    kill: () => killGroup("SIGKILL"),
    restart: async () => {
      await exited();
      await sleep(300); // the port is free once workerd is gone
      await start();
    },
    stop: async () => {
      killGroup("SIGTERM");
      await Promise.race([exited(), sleep(5000)]);
      killGroup("SIGKILL");
      rmSync(stateDir, { recursive: true, force: true });
      rmSync(CONFIG, { force: true });
    },
  };
}
