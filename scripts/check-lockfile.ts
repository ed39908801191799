// Keeps `npm ci` working on a fresh clone on Linux, macOS and Windows. npm can write a lock file
// without other platforms' optional packages when it is regenerated over an existing node_modules
// (npm/cli#4828): it still installs here, but `npm ci` on a Mac or Windows then lacks workerd's or
// esbuild's binary. Checked without network (run by `npm test` through check:lockfile):
//   - every optional dependency in the lock resolves to a lock entry, whatever its os/cpu;
//   - no extraneous entries (a sign of a lock written from a stale node_modules);
//   - no dependency on a dist-tag ("latest") that overrides do not pin, since `npm install` would
//     re-resolve it and rewrite the lock whenever the tag moves;
//   - every package with an install script is declared in package.json's allowScripts.
// `--platforms` also asks npm for a dry-run `npm ci` as linux/darwin/win32 and checks each would install
// its native packages; `--stable` checks that `npm install --package-lock-only` leaves the lock as is.
// Both work on a temp copy of package.json and the lock, never on the working tree.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface LockEntry {
  version?: string;
  optional?: boolean;
  extraneous?: boolean;
  hasInstallScript?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
export interface Lock {
  packages: Record<string, LockEntry>;
}
export interface PackageJson {
  overrides?: Record<string, unknown>;
  allowScripts?: Record<string, boolean | string>;
}

const root = fileURLToPath(new URL("..", import.meta.url));
const REGENERATE = "regenerate it from a clean state: delete node_modules and package-lock.json, then `npm install`";

/** The lock path Node would load `name` from when required by the package at `from` ("" is the root). */
export function resolveInLock(lock: Lock, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const up = dir.lastIndexOf("/node_modules/");
    dir = up < 0 ? "" : dir.slice(0, up);
  }
}

/** The package name of a lock path: the part after its last node_modules/. */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
}

function allowed(pkg: PackageJson, name: string, version: string | undefined): boolean {
  const rules = pkg.allowScripts ?? {};
  return rules[name] === true || (version !== undefined && rules[`${name}@${version}`] === true);
}

export function lockProblems(pkg: PackageJson, lock: Lock): string[] {
  const problems: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path) continue;
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
      if (!resolveInLock(lock, path, dep)) {
        problems.push(`${path} -> optional ${dep} is missing: npm ci will not install it on its platform; ${REGENERATE}`);
      }
    }
    if (entry.extraneous) problems.push(`${path} is extraneous: ${REGENERATE}`);
    for (const [dep, spec] of Object.entries(entry.dependencies ?? {})) {
      if (/^[a-z]/i.test(spec) && !/^x(\.|$)/i.test(spec) && !/^(npm|file|git|github|https?|link|workspace):/.test(spec) && !(dep in (pkg.overrides ?? {}))) {
        problems.push(`${path} depends on ${dep}@${spec} (a dist-tag): pin it under "overrides" in package.json`);
      }
    }
    if (entry.hasInstallScript && !allowed(pkg, nameOf(path), entry.version)) {
      problems.push(`${path} has an install script not declared in package.json "allowScripts" (npm approve-scripts ${nameOf(path)})`);
    }
  }
  return problems;
}

export const PLATFORMS = [
  { os: "linux", cpu: "x64" },
  { os: "linux", cpu: "arm64" },
  { os: "darwin", cpu: "x64" },
  { os: "darwin", cpu: "arm64" },
  { os: "win32", cpu: "x64" },
] as const;

/** Lock paths of the platform-specific optional packages npm should install on os/cpu (glibc on Linux). */
export function expectedNative(lock: Lock, os: string, cpu: string): string[] {
  const expected = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
      const at = resolveInLock(lock, path, dep);
      const target = at ? lock.packages[at] : undefined;
      if (!at || !target || (!target.os && !target.cpu)) continue;
      if (target.os && !target.os.includes(os)) continue;
      if (target.cpu && !target.cpu.includes(cpu)) continue;
      if (os === "linux" && target.libc && !target.libc.includes("glibc")) continue;
      expected.add(at);
    }
  }
  return [...expected].sort();
}

function npm(args: string[], cwd: string) {
  // npm is a .cmd shim on Windows.
  return spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", args, {
    cwd,
    encoding: "utf8",
    shell: process.platform === "win32",
    timeout: 300_000,
    maxBuffer: 64 << 20,
  });
}

function inCopy<T>(run: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "onechat-lock-"));
  try {
    for (const file of ["package.json", "package-lock.json"]) copyFileSync(join(root, file), join(dir, file));
    return run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function platformProblems(lock: Lock): string[] {
  return inCopy((dir) => {
    const problems: string[] = [];
    for (const { os, cpu } of PLATFORMS) {
      const run = npm(["ci", "--dry-run", "--ignore-scripts", "--json", `--os=${os}`, `--cpu=${cpu}`], dir);
      if (run.status !== 0) {
        problems.push(`npm ci as ${os}/${cpu} fails: ${(run.stderr || run.error?.message || "").trim().split("\n").slice(-3).join(" ")}`);
        continue;
      }
      const added = new Set([...run.stdout.matchAll(/"path": "([^"]+)"/g)].map((m) => m[1].replaceAll("\\\\", "/")));
      const addedPaths = [...added].map((p) => p.slice(p.indexOf("node_modules/")));
      const missing = expectedNative(lock, os, cpu).filter((path) => !addedPaths.includes(path));
      if (missing.length) problems.push(`npm ci as ${os}/${cpu} would not install: ${missing.join(", ")}`);
      else console.log(`npm ci as ${os}/${cpu}: ${addedPaths.length} packages, native ones included`);
    }
    return problems;
  });
}

function stabilityProblems(): string[] {
  return inCopy((dir) => {
    const before = readFileSync(join(dir, "package-lock.json"), "utf8");
    const run = npm(["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"], dir);
    if (run.status !== 0) return [`npm install --package-lock-only failed: ${run.stderr.trim().split("\n").slice(-3).join(" ")}`];
    const after = readFileSync(join(dir, "package-lock.json"), "utf8");
    return before === after ? [] : ["`npm install` rewrites package-lock.json: run it, review and commit the result"];
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as PackageJson;
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as Lock;
  const problems = lockProblems(pkg, lock);
  if (process.argv.includes("--platforms")) problems.push(...platformProblems(lock));
  if (process.argv.includes("--stable")) problems.push(...stabilityProblems());
  if (problems.length) {
    console.error(`package-lock.json: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    process.exit(1);
  }
  console.log("package-lock.json: complete for every platform, every install script declared");
}
