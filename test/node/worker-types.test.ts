import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkTypes } from "../../scripts/worker-types";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** A copy of what `wrangler types` reads, so the test can change it without touching the tree. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "onechat-types-"));
  for (const file of ["wrangler.toml", ".dev.vars.example", "worker-configuration.d.ts"]) copyFileSync(join(root, file), join(dir, file));
  symlinkSync(join(root, "worker"), join(dir, "worker"), "junction");
  return dir;
}

afterEach(() => vi.restoreAllMocks());

describe("generated Env types (npm run check:types)", () => {
  it("fail when wrangler.toml gains a binding the committed file lacks, and when the file is edited by hand", () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    const dir = project();
    try {
      expect(checkTypes(dir)).toBe(true);
      const toml = readFileSync(join(dir, "wrangler.toml"), "utf8");
      writeFileSync(join(dir, "wrangler.toml"), toml.replace("[vars]\n", '[vars]\nNEW_SETTING = "1"\n'));
      expect(checkTypes(dir)).toBe(false);
      writeFileSync(join(dir, "wrangler.toml"), toml);
      const types = readFileSync(join(dir, "worker-configuration.d.ts"), "utf8");
      writeFileSync(join(dir, "worker-configuration.d.ts"), types.replace("\tADMIN_TOKEN: string;", "\tADMIN_TOKEN?: string;"));
      expect(checkTypes(dir)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
