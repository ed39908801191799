// `npm run deploy` runs this first and deploys only when it passes (docs/deploy.md). It refuses, with
// one list of everything to fix: a placeholder or missing D1 database_id in wrangler.toml, secrets the
// deployed worker lacks (asked with `wrangler secret list`), and D1 migrations not yet applied remotely.
// Each wrangler call has a deadline, so no credentials or no network fails clearly instead of hanging.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Secrets the worker cannot run without (worker/env.ts; the rest are optional). */
export const REQUIRED_SECRETS = ["SESSION_SECRET", "IDENTITY_PEPPER", "ADMIN_TOKEN"] as const;
/** Each platform needs both halves; at least one platform must be complete for anyone to log in. */
export const PLATFORM_SECRETS = { WeChat: ["WECHAT_APPID", "WECHAT_SECRET"], QQ: ["QQ_APPID", "QQ_SECRET"] } as const;

export interface D1Config {
  binding: string;
  database_id?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function configProblems(d1: D1Config[]): string[] {
  if (d1.length === 0) return ["wrangler.toml has no [[d1_databases]]"];
  return d1.flatMap(({ binding, database_id: id }) => {
    if (!id || !UUID.test(id) || /^[0-]+$/.test(id)) {
      return [
        `wrangler.toml: D1 binding ${binding} has database_id "${id ?? ""}", a placeholder. ` +
          "Run `npx wrangler d1 create onechat` and put the id it prints into wrangler.toml",
      ];
    }
    return [];
  });
}

export function secretProblems(present: Iterable<string>): string[] {
  const have = new Set(present);
  const problems = REQUIRED_SECRETS.filter((name) => !have.has(name)).map((name) => `secret ${name} is not set: npx wrangler secret put ${name}`);
  let complete = 0;
  let half = 0;
  for (const [platform, pair] of Object.entries(PLATFORM_SECRETS)) {
    const missing = pair.filter((name) => !have.has(name));
    if (missing.length === 0) complete++;
    else if (missing.length === 1) {
      half++;
      problems.push(`secret ${missing[0]} is not set, so ${platform} login cannot work: npx wrangler secret put ${missing[0]}`);
    }
  }
  if (complete === 0 && half === 0) {
    problems.push("no platform credentials: set WECHAT_APPID and WECHAT_SECRET (and/or QQ_APPID and QQ_SECRET) with npx wrangler secret put");
  }
  return problems;
}

/** Names of unapplied migrations in `wrangler d1 migrations list --remote` output. */
export function unappliedMigrations(output: string): string[] {
  if (/No migrations to apply/.test(output)) return [];
  return [...new Set(output.match(/\d{4}_[\w-]+\.sql/g) ?? [])];
}

export interface RunResult {
  ok: boolean;
  stdout: string;
  /** Why it failed, for the problem list: wrangler's last error lines, or the deadline. */
  error?: string;
}

export type Runner = (args: string[]) => Promise<RunResult>;

/** Runs `command args` with no stdin (wrangler then never prompts) and kills it at the deadline. */
export function runWithDeadline(command: string, baseArgs: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Runner {
  return (args) =>
    new Promise((resolve) => {
      const child = spawn(command, [...baseArgs, ...args], {
        cwd: root,
        env: { ...env, WRANGLER_SEND_METRICS: "false" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d));
      child.stderr.on("data", (d: Buffer) => (stderr += d));
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve({ ok: false, stdout, error: `no answer within ${Math.round(timeoutMs / 1000)} s (no network?)` });
      }, timeoutMs);
      child.on("error", (err) => {
        clearTimeout(timer);
        resolve({ ok: false, stdout, error: err.message });
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        const text = `${stderr}\n${stdout}`.replace(/\x1b\[[0-9;]*m/g, "");
        const lines = text.split("\n").map((l) => l.trim()).filter((l) => l && !/^(⛅️|─|🪵|Logs were written)/u.test(l));
        const errorLines = lines.filter((l) => /ERROR|✘|error/i.test(l)).map((l) => l.replace(/^✘\s*\[ERROR\]\s*/u, ""));
        resolve(code === 0 ? { ok: true, stdout } : { ok: false, stdout, error: (errorLines.length ? errorLines : lines.slice(-2)).join(" ").slice(0, 400) });
      });
    });
}

const LOGIN_HINT = "log in with `npx wrangler login` (or set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID)";

export async function remoteProblems(wrangler: Runner, configPath: string): Promise<string[]> {
  const [secrets, migrations] = await Promise.all([
    wrangler(["secret", "list", "--format", "json", "--config", configPath]),
    wrangler(["d1", "migrations", "list", "DB", "--remote", "--config", configPath]),
  ]);
  const problems: string[] = [];
  if (secrets.ok) {
    let names: string[] = [];
    try {
      names = (JSON.parse(secrets.stdout.slice(secrets.stdout.indexOf("["))) as { name: string }[]).map((s) => s.name);
    } catch {
      problems.push("could not read `wrangler secret list` output");
    }
    problems.push(...secretProblems(names));
  } else if (/not found/i.test(secrets.error ?? "")) {
    problems.push("the worker does not exist yet: `npx wrangler secret put NAME` creates it with its first secret");
    problems.push(...secretProblems([]));
  } else {
    problems.push(`could not list the worker's secrets: ${secrets.error}; ${LOGIN_HINT}`);
  }
  if (migrations.ok) {
    const pending = unappliedMigrations(migrations.stdout);
    if (pending.length) problems.push(`D1 migrations not applied remotely: ${pending.join(", ")}: npx wrangler d1 migrations apply DB --remote`);
  } else {
    problems.push(`could not list the remote D1 migrations: ${migrations.error}; ${LOGIN_HINT}`);
  }
  return problems;
}

async function main(): Promise<number> {
  const i = process.argv.indexOf("--config");
  const configPath = i > 0 ? process.argv[i + 1] : join(root, "wrangler.toml");
  const { unstable_readConfig } = await import("wrangler");
  const config = unstable_readConfig({ config: configPath });
  const problems = configProblems(config.d1_databases);
  // Without a real database id the remote checks cannot mean anything; report the config first.
  if (problems.length === 0) {
    const wrangler = runWithDeadline(process.execPath, [join(root, "node_modules/wrangler/bin/wrangler.js")], 30_000);
    problems.push(...(await remoteProblems(wrangler, configPath)));
  }
  if (problems.length) {
    console.error(`Deploy refused: ${problems.length} thing(s) to fix first (docs/deploy.md)\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    return 1;
  }
  console.log("Preflight passed: database id set, secrets present, migrations applied.");
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(await main());
