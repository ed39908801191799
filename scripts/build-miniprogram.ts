// `npm run build:miniprogram`: a plain-JS copy of miniprogram/ in dist/miniprogram that WeChat
// DevTools and QQ's developer tool open directly (no TypeScript compiler plugin): each .ts file
// transpiled to CommonJS beside its .json/.wxml/.wxss, the tests and tool configs left out.
// The build fails when a `require` in the output would not resolve inside the output folder.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const SOURCE = resolve(dirname(fileURLToPath(import.meta.url)), "..", "miniprogram");
export const DEFAULT_OUT = resolve(SOURCE, "..", "dist", "miniprogram");

/** Source entries that are not part of the app (tests, the type-checker's and vitest's configs). */
const SKIP = new Set(["test", "node_modules", "vitest.config.ts", "tsconfig.json"]);

/**
 * Transpiles one file the way the mini program runtime loads it: CommonJS, ES2017, and each
 * relative require spelled with its `.js` file, so no tool has to guess an extension.
 */
export function transpile(source: string, fileName: string): string {
  const js = ts.transpileModule(source, {
    fileName,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2017 },
  }).outputText;
  return js.replace(/\brequire\((["'])(\.{1,2}\/[^"']+)\1\)/g, (whole, quote: string, spec: string) => {
    const base = resolve(dirname(fileName), spec);
    if (isFile(`${base}.ts`)) return `require(${quote}${spec}.js${quote})`;
    if (isFile(join(base, "index.ts"))) return `require(${quote}${spec}/index.js${quote})`;
    return whole;
  });
}

/** The project file for the built folder: the same app, without the TypeScript compiler plugin. */
function builtProjectConfig(): string {
  const config = JSON.parse(readFileSync(join(SOURCE, "project.config.json"), "utf8")) as {
    setting?: Record<string, unknown>;
    packOptions?: unknown;
  };
  const { useCompilerPlugins: _plugins, ...setting } = config.setting ?? {};
  return `${JSON.stringify({ ...config, setting, packOptions: { ignore: [], include: [] } }, null, 2)}\n`;
}

/** Writes the plain-JS mini program into `out` (emptied first); returns the files written. */
export function buildMiniprogram(out: string = DEFAULT_OUT): string[] {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(entry.name)) continue;
      const src = join(dir, entry.name);
      const dest = join(out, relative(SOURCE, src));
      if (entry.isDirectory()) {
        mkdirSync(dest, { recursive: true });
        walk(src);
      } else if (entry.name.endsWith(".d.ts")) {
        continue;
      } else if (entry.name.endsWith(".ts")) {
        const js = dest.replace(/\.ts$/, ".js");
        writeFileSync(js, transpile(readFileSync(src, "utf8"), src));
        written.push(js);
      } else if (entry.name === "project.config.json") {
        writeFileSync(dest, builtProjectConfig());
        written.push(dest);
      } else {
        copyFileSync(src, dest);
        written.push(dest);
      }
    }
  };
  walk(SOURCE);
  return written;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** Every `require("…")` in the built .js files that does not land on a file inside `out`. */
export function unresolvedRequires(out: string): string[] {
  const problems: string[] = [];
  const root = resolve(out) + sep;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith(".js")) {
        const code = readFileSync(path, "utf8");
        for (const m of code.matchAll(/\brequire\(\s*(["'])([^"']+)\1\s*\)/g)) {
          const spec = m[2] as string;
          const target = spec.startsWith("/") ? join(out, spec) : resolve(dirname(path), spec);
          // The runtime has no node_modules: bare names and paths outside the folder fail there.
          if (!spec.startsWith(".") && !spec.startsWith("/")) problems.push(`${relative(out, path)}: require("${spec}") is not a file in the app`);
          else if (!target.startsWith(root) || !isFile(target)) problems.push(`${relative(out, path)}: require("${spec}") does not resolve inside the build`);
        }
      }
    }
  };
  visit(out);
  return problems;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const out = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_OUT;
  const files = buildMiniprogram(out);
  const problems = unresolvedRequires(out);
  if (problems.length > 0) {
    console.error(`Built ${files.length} files into ${out}, but:\n${problems.join("\n")}`);
    process.exit(1);
  }
  console.log(`Built ${files.length} files into ${relative(process.cwd(), out) || out}; open that folder in WeChat DevTools or QQ's developer tool.`);
}
