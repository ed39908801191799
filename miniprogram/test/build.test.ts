// `npm run build:miniprogram`: the folder WeChat DevTools and QQ's tool open must be complete
// plain JS whose every require resolves inside it.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildMiniprogram, unresolvedRequires } from "../../scripts/build-miniprogram";

let out: string;
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), "onechat-build-"));
  buildMiniprogram(out);
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

function allFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? allFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

const json = (path: string) => JSON.parse(readFileSync(join(out, path), "utf8"));

describe("build:miniprogram", () => {
  it("emits plain JS only, without tests or tool configs", () => {
    const files = allFiles(out);
    expect(files).toContain("app.js");
    expect(files.filter((f) => f.endsWith(".ts"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("test/") || f === "vitest.config.js" || f === "tsconfig.json")).toEqual([]);
  });

  it("has every page and component the app names, each with its four files", () => {
    const app = json("app.json");
    const seen = new Set<string>();
    const visit = (path: string) => {
      if (seen.has(path)) return;
      seen.add(path);
      for (const ext of [".js", ".json", ".wxml", ".wxss"]) expect(existsSync(join(out, `${path}${ext}`)), `${path}${ext}`).toBe(true);
      const using = (json(`${path}.json`).usingComponents ?? {}) as Record<string, string>;
      for (const target of Object.values(using)) visit(target.replace(/^\//, ""));
    };
    for (const page of app.pages as string[]) visit(page);
    expect(seen.size).toBeGreaterThan((app.pages as string[]).length);
  });

  it("resolves every require inside the build folder", () => {
    expect(unresolvedRequires(out)).toEqual([]);
    // And the check itself catches what the runtime would not load.
    const bad = mkdtempSync(join(tmpdir(), "onechat-bad-"));
    try {
      writeFileSync(join(bad, "a.js"), 'require("./missing.js"); require("zod"); require("../outside.js");');
      expect(unresolvedRequires(bad)).toHaveLength(3);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it("opens without the TypeScript plugin, with WXML/WXSS minified for release and no obsolete privacy flag", () => {
    const project = json("project.config.json");
    expect(project.setting.useCompilerPlugins).toBeUndefined();
    expect(project.setting).toMatchObject({ minified: true, minifyWXML: true, minifyWXSS: true });
    expect(project).not.toHaveProperty("miniprogramRoot");
    expect(json("app.json")).not.toHaveProperty("__usePrivacyCheck__");
  });
});
