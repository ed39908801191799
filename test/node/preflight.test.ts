import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  configProblems,
  remoteProblems,
  runWithDeadline,
  secretProblems,
  unappliedMigrations,
  type Runner,
} from "../../scripts/preflight";

const root = fileURLToPath(new URL("../..", import.meta.url));
const ALL = ["SESSION_SECRET", "IDENTITY_PEPPER", "ADMIN_TOKEN", "WECHAT_APPID", "WECHAT_SECRET"];

describe("deploy preflight: wrangler.toml", () => {
  it("refuses the committed placeholder database_id", () => {
    const id = /database_id = "([^"]*)"/.exec(readFileSync(join(root, "wrangler.toml"), "utf8"))![1];
    expect(configProblems([{ binding: "DB", database_id: id }])).toEqual([expect.stringMatching(/D1 binding DB .*placeholder.*wrangler d1 create/)]);
  });

  it("refuses a missing or non-UUID id and accepts a real one", () => {
    expect(configProblems([{ binding: "DB" }])).toHaveLength(1);
    expect(configProblems([{ binding: "DB", database_id: "<your-database-id>" }])).toHaveLength(1);
    expect(configProblems([])).toEqual(["wrangler.toml has no [[d1_databases]]"]);
    expect(configProblems([{ binding: "DB", database_id: "3f1c2a9e-5b7d-4e21-9c3a-7d8e9f0a1b2c" }])).toEqual([]);
  });
});

describe("deploy preflight: secrets and migrations", () => {
  it("lists every missing required secret by name", () => {
    expect(secretProblems(ALL)).toEqual([]);
    const problems = secretProblems(["WECHAT_APPID", "WECHAT_SECRET", "IDENTITY_PEPPER"]);
    expect(problems).toEqual([
      "secret SESSION_SECRET is not set: npx wrangler secret put SESSION_SECRET",
      "secret ADMIN_TOKEN is not set: npx wrangler secret put ADMIN_TOKEN",
    ]);
  });

  it("wants one complete platform and flags half a pair", () => {
    const base = ["SESSION_SECRET", "IDENTITY_PEPPER", "ADMIN_TOKEN"];
    expect(secretProblems(base)).toEqual([expect.stringMatching(/no platform credentials/)]);
    expect(secretProblems([...base, "QQ_APPID", "QQ_SECRET"])).toEqual([]);
    expect(secretProblems([...base, "WECHAT_APPID", "QQ_APPID", "QQ_SECRET"])).toEqual([expect.stringMatching(/WECHAT_SECRET is not set, so WeChat login/)]);
  });

  it("reads unapplied migrations from wrangler's list", () => {
    expect(unappliedMigrations("✅ No migrations to apply!")).toEqual([]);
    expect(unappliedMigrations("Migrations to be applied:\n│ 0004_history_paging.sql │\n│ 0005_x.sql │")).toEqual(["0004_history_paging.sql", "0005_x.sql"]);
  });

  it("turns wrangler's answers into one list", async () => {
    const answers = (secrets: Awaited<ReturnType<Runner>>, migrations: Awaited<ReturnType<Runner>>): Runner =>
      async (args) => (args[0] === "secret" ? secrets : migrations);
    const listed = JSON.stringify(ALL.map((name) => ({ name, type: "secret_text" })));
    expect(await remoteProblems(answers({ ok: true, stdout: listed }, { ok: true, stdout: "✅ No migrations to apply!" }), "wrangler.toml")).toEqual([]);

    const firstDeploy = await remoteProblems(
      answers({ ok: false, stdout: "", error: 'Worker "onechat" not found.' }, { ok: true, stdout: "Migrations to be applied:\n 0000_init.sql" }),
      "wrangler.toml",
    );
    expect(firstDeploy[0]).toMatch(/does not exist yet: `npx wrangler secret put NAME` creates it/);
    expect(firstDeploy.join("\n")).toMatch(/SESSION_SECRET is not set[\s\S]*IDENTITY_PEPPER[\s\S]*ADMIN_TOKEN[\s\S]*no platform credentials[\s\S]*0000_init.sql/);

    const offline = await remoteProblems(answers({ ok: false, stdout: "", error: "no answer within 30 s (no network?)" }, { ok: false, stdout: "", error: "boom" }), "x");
    expect(offline).toEqual([
      expect.stringMatching(/^could not list the worker's secrets: no answer within 30 s .*wrangler login/),
      expect.stringMatching(/^could not list the remote D1 migrations: boom/),
    ]);
  });
});

describe("deploy preflight: talking to wrangler", () => {
  it("gives up on a command that never answers at the deadline instead of hanging", async () => {
    const hang = runWithDeadline(process.execPath, ["-e", "setInterval(() => {}, 1000)"], 500);
    const started = Date.now();
    const result = await hang([]);
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/no answer within/) });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it("fails clearly, without prompting, when wrangler has no credentials", async () => {
    const home = mkdtempSync(join(tmpdir(), "onechat-preflight-"));
    try {
      const config = join(home, "wrangler.toml");
      writeFileSync(config, readFileSync(join(root, "wrangler.toml"), "utf8").replace(/database_id = "[^"]*"/, 'database_id = "3f1c2a9e-5b7d-4e21-9c3a-7d8e9f0a1b2c"'));
      const env = { ...process.env, HOME: home, USERPROFILE: home, XDG_CONFIG_HOME: home, CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_ACCOUNT_ID: "" };
      const wrangler = runWithDeadline(process.execPath, [join(root, "node_modules/wrangler/bin/wrangler.js")], 45_000, env);
      const problems = await remoteProblems(wrangler, config);
      expect(problems[0]).toMatch(/^could not list the worker's secrets: .*CLOUDFLARE_API_TOKEN/);
      expect(problems[0]).not.toMatch(/no answer within/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 90_000);
});
