// The details a WeChat user (or WeChat's own tools) notices, checked on the built folder:
// every control labelled for screen readers, tap targets of at least 88rpx, CSS that iOS before
// 14.5 understands, dark mode with colours through variables, and a project file without the
// `miniprogramRoot` that makes miniprogram-ci look for app.json in the wrong place.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp, removeApp } from "./simulate";

let root = "";
beforeAll(() => {
  root = buildApp();
});
afterAll(() => removeApp(root));

function files(ext: string, dir = root): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(ext, p));
    else if (e.name.endsWith(ext)) out.push(p);
  }
  return out;
}
const read = (p: string) => readFileSync(p, "utf8");

/** Opening tags (across lines) of elements a person operates. */
function controls(wxml: string): string[] {
  const tags = [...wxml.matchAll(/<([a-z][\w-]*)\b([^>]*)>/gs)].map((m) => ({ name: m[1]!, attrs: m[2]! }));
  return tags
    .filter((t) => ["button", "textarea", "input", "checkbox"].includes(t.name) || /\b(bind|catch):?(tap|longpress)=/.test(t.attrs))
    .map((t) => `<${t.name}${t.attrs}>`);
}

describe("WeChat details (issue 19 item 8)", () => {
  it("every control has an aria-role and an aria-label", () => {
    const missing: string[] = [];
    let count = 0;
    for (const f of files(".wxml")) {
      for (const tag of controls(read(f))) {
        count++;
        if (!/\baria-role="[^"]+"/.test(tag) || !/\baria-label="[^"]+"/.test(tag)) missing.push(`${f.slice(root.length)}: ${tag.replace(/\s+/g, " ").slice(0, 120)}`);
      }
    }
    expect(count).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });

  it("tap targets are at least 88rpx high (举报, emoji, picture, retry mark, send, 换一个…)", () => {
    const css = files(".wxss").map(read).join("\n").replace(/\/\*[\s\S]*?\*\//g, "");
    const height = (selector: string): number => {
      const rules = [...css.matchAll(/([^{}]+)\{([^}]*)\}/g)].filter((m) => m[1]!.split(",").some((s) => s.trim() === selector));
      const values = rules.flatMap((m) => [...m[2]!.matchAll(/(?:^|;|\s)(?:min-)?height:\s*(\d+)rpx/g)].map((v) => Number(v[1])));
      return values.length ? Math.max(...values) : 0;
    };
    for (const selector of [".report-link", ".emoji-btn", ".pic-btn", ".status.failed", ".send", ".emoji", ".next, .ended-next", ".new-pill", ".failed-reason", ".item"]) {
      const h = selector.includes(",") ? Math.min(...selector.split(",").map((s) => height(s.trim()))) : height(selector);
      expect(h, selector).toBeGreaterThanOrEqual(88);
    }
  });

  it("uses no CSS that iOS before 14.5 drops: no inset, no flex gap", () => {
    for (const f of files(".wxss")) {
      const css = read(f).replace(/safe-area-inset-\w+/g, "");
      expect(css, f).not.toMatch(/(^|[;{\s])inset\s*:/);
      expect(css, f).not.toMatch(/(^|[;{\s])(row-|column-)?gap\s*:/);
    }
  });

  it("has dark mode: darkmode in app.json, a theme.json for every @variable, colours through CSS variables", () => {
    const app = JSON.parse(read(join(root, "app.json")));
    expect(app.darkmode).toBe(true);
    const theme = JSON.parse(read(join(root, app.themeLocation)));
    const used = [...JSON.stringify(app.window).matchAll(/"@(\w+)"/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    for (const mode of ["light", "dark"]) for (const v of used) expect(theme[mode][v as string], `${mode}.${v}`).toBeTruthy();
    const appCss = read(join(root, "app.wxss"));
    expect(appCss).toMatch(/@media \(prefers-color-scheme: dark\)/);
    // Outside app.wxss (where the variables are defined) no colour is written as a literal.
    for (const f of files(".wxss").filter((p) => !p.endsWith("app.wxss"))) expect(read(f), f).not.toMatch(/#[0-9a-fA-F]{3,6}\b/);
  });

  it("has no miniprogramRoot in the project file (miniprogram-ci warned that app.json did not exist)", () => {
    const project = JSON.parse(read(join(root, "project.config.json")));
    expect(project).not.toHaveProperty("miniprogramRoot");
    expect(project.compileType).toBe("miniprogram");
  });

  it("docs/launch.md lists every privacy API the code calls, with its reason, and no stale __usePrivacyCheck__ claim", () => {
    const launch = readFileSync(join(__dirname, "../../docs/launch.md"), "utf8");
    const code = files(".js").map(read).join("\n") + files(".wxml").map(read).join("\n");
    const apis: Array<[RegExp, string]> = [
      [/\.chooseMedia\(/, "wx.chooseMedia"],
      [/\.setClipboardData\(/, "wx.setClipboardData"],
      [/open-type="chooseAvatar"/, "chooseAvatar"],
      [/type="nickname"/, 'type="nickname"'],
      [/requestSubscribeMessage/, "wx.requestSubscribeMessage"],
    ];
    for (const [used, named] of apis) {
      expect(code, named).toMatch(used);
      expect(launch, named).toContain(named);
    }
    expect(launch).not.toMatch(/already shows[^.]*__usePrivacyCheck__/);
  });
});
