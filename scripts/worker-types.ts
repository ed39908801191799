// `npm run types` writes worker-configuration.d.ts (the worker's Env) from wrangler.toml with `wrangler
// types`; secrets are typed from .dev.vars.example, so the output never depends on a local .dev.vars.
// `npm run check:types` (run by `npm test`) regenerates it aside and fails when the committed file
// differs: wrangler's own --check compares only the hash in the header and misses hand edits.
// Wrangler types each Durable Object class as an export of the entry point; that would tie every user
// of `Env` to worker/index.ts, so each class is pointed at the module that defines it instead.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

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
  const file = join(dir, path);
  writeFileSync(file, classesFromOwnModules(readFileSync(file, "utf8"), dir));
}

/** The TypeScript file a relative import names, as the bundler resolves it. */
function resolveModule(from: string, spec: string): string {
  if (!spec.startsWith(".")) throw new Error(`${spec} (imported by ${from}) is not a relative module`);
  const base = resolve(dirname(from), spec);
  const found = [base, `${base}.ts`, base.replace(/\.js$/, ".ts"), join(base, "index.ts")].find((f) => f.endsWith(".ts") && existsSync(f));
  if (!found) throw new Error(`cannot resolve ${spec} from ${from}`);
  return found;
}

/**
 * Where the class exported from `file` as `name` is declared, following re-exports
 * (`export { A as B } from`, `export * from`, and `import { A }` then `export { A }`).
 */
export function definingModule(file: string, name: string, seen = new Set<string>()): { file: string; name: string } | null {
  const key = `${file}#${name}`;
  if (seen.has(key)) return null;
  seen.add(key);
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  const imported = new Map<string, { spec: string; name: string }>();
  for (const s of source.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    const bindings = s.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings))
      for (const e of bindings.elements) imported.set(e.name.text, { spec: s.moduleSpecifier.text, name: (e.propertyName ?? e.name).text });
  }
  for (const s of source.statements) {
    if (ts.isClassDeclaration(s) && s.name?.text === name) return { file, name };
    if (!ts.isExportDeclaration(s)) continue;
    const spec = s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier) ? s.moduleSpecifier.text : undefined;
    if (!s.exportClause) {
      const found = spec === undefined ? null : definingModule(resolveModule(file, spec), name, seen);
      if (found) return found;
      continue;
    }
    if (!ts.isNamedExports(s.exportClause)) continue;
    for (const e of s.exportClause.elements) {
      if (e.name.text !== name) continue;
      const local = (e.propertyName ?? e.name).text;
      if (spec !== undefined) return definingModule(resolveModule(file, spec), local, seen);
      const from = imported.get(local);
      return from ? definingModule(resolveModule(file, from.spec), from.name, seen) : { file, name: local };
    }
  }
  return null;
}

const NOTE = "// Durable Object classes are imported from their own modules (scripts/worker-types.ts), not the entry point.";

/**
 * Rewrites wrangler's `import("./worker/index").Room` to `import("./worker/room/room").Room`, for
 * each class; `typeof import("./worker/index")` (the entry point's exports, for ctx.exports) stays.
 */
export function classesFromOwnModules(types: string, dir: string): string {
  const rewritten = types.replace(/import\("(\.[^"]+)"\)\.(\w+)/g, (_, spec: string, name: string) => {
    const found = definingModule(resolveModule(join(dir, "wrangler.toml"), spec), name);
    if (!found) throw new Error(`${name} is not exported by ${spec}`);
    const path = relative(dir, found.file).split(sep).join("/").replace(/\.ts$/, "");
    return `import("./${path}").${found.name}`;
  });
  const lines = rewritten.split("\n");
  const header = lines.findIndex((l) => l.startsWith("// Generated by Wrangler"));
  lines.splice(header + 1, 0, NOTE);
  return lines.join("\n");
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
    `${OUT} does not match wrangler.toml and the Durable Object classes' modules (first difference at line ${line}).\n` +
      "Run `npm run types` and commit the result; do not edit the generated file by hand.",
  );
  return false;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes("--check")) process.exit(checkTypes() ? 0 : 1);
  wranglerTypes(OUT, root);
  console.log(`Wrote ${OUT}.`);
}
