import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expectedNative, lockProblems, PLATFORMS, type Lock, type PackageJson } from "../../scripts/check-lockfile";

const read = <T>(file: string) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), "utf8")) as T;
const pkg = () => read<PackageJson>("package.json");
const lock = () => read<Lock>("package-lock.json");

describe("package-lock.json", () => {
  it("holds every platform's optional packages and declares every install script", () => {
    expect(lockProblems(pkg(), lock())).toEqual([]);
  });

  it("gives each platform its workerd and esbuild binaries", () => {
    for (const { os, cpu } of PLATFORMS) {
      const native = expectedNative(lock(), os, cpu);
      const workerd = native.filter((p) => p.includes("@cloudflare/workerd-"));
      expect(workerd, `${os}/${cpu}`).toHaveLength(1);
      expect(native.filter((p) => p === `node_modules/@esbuild/${os}-${cpu}`), `${os}/${cpu}`).toHaveLength(1);
    }
    expect(expectedNative(lock(), "linux", "x64").some((p) => p.includes("musl"))).toBe(false);
  });

  it("refuses a lock written without the macOS and Windows workerd (the state npm/cli#4828 leaves)", () => {
    const broken = lock();
    delete broken.packages["node_modules/@cloudflare/workerd-darwin-arm64"];
    delete broken.packages["node_modules/@cloudflare/workerd-windows-64"];
    const problems = lockProblems(pkg(), broken);
    expect(problems).toHaveLength(2);
    expect(problems.join("\n")).toMatch(/node_modules\/workerd -> optional @cloudflare\/workerd-darwin-arm64 is missing/);
    expect(problems.join("\n")).toMatch(/workerd-windows-64 is missing/);
  });

  it("refuses extraneous entries, unpinned dist-tags and undeclared install scripts", () => {
    const broken = lock();
    broken.packages["node_modules/less"] = { version: "4.9.1", extraneous: true };
    const loose = { ...pkg(), overrides: {}, allowScripts: { esbuild: true, node: true } };
    const problems = lockProblems(loose, broken).join("\n");
    expect(problems).toMatch(/node_modules\/less is extraneous/);
    expect(problems).toMatch(/miniprogram-compiler@latest \(a dist-tag\)/);
    expect(problems).toMatch(/node_modules\/workerd has an install script not declared/);
  });
});
