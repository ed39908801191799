import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { app } from "../../worker/index";
import { identityHash } from "../../worker/platform/identity";
import type { LoginResponse } from "../../worker/protocol";
import { api, devLogin, uniqueName } from "./helpers";

const login = (platform: string, code: string) => api("/api/login", { method: "POST", json: { platform, code } });

/** Every row of every table, as text: where an OpenID must never appear. */
async function wholeDatabase(): Promise<string> {
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>();
  const dumps = await Promise.all(
    tables.results.map(async ({ name }) => JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name.replaceAll('"', "")}"`).all()).results)),
  );
  return dumps.join("\n");
}

describe("login", () => {
  it.each(["wechat", "qq"])("logs a %s user in through jscode2session and finds them again", async (platform) => {
    const code = uniqueName("code");
    const first = await login(platform, code);
    expect(first.status).toBe(200);
    const body = await first.json<LoginResponse>();
    expect(body.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(body.expiresAt).toBeGreaterThan(Date.now());

    // The fake answers openid-<code>; the same code means the same OpenID, so the same user.
    const again = await (await login(platform, code)).json<LoginResponse>();
    expect(again.user.id).toBe(body.user.id);

    const me = await api("/api/me", { token: body.token });
    expect(await me.json()).toMatchObject({ id: body.user.id });
  });

  it("keeps the OpenID only as a keyed hash: nowhere in the database in clear", async () => {
    const code = uniqueName("privacy");
    const body = await (await login("wechat", code)).json<LoginResponse>();
    const dump = await wholeDatabase();
    expect(dump).not.toContain(`openid-${code}`);
    expect(dump).not.toContain("fake-session-key");
    const hash = await identityHash(env.IDENTITY_PEPPER, "wechat", `openid-${code}`);
    const row = await env.DB.prepare("SELECT id FROM users WHERE identity_hash = ?").bind(hash).first<{ id: string }>();
    expect(row?.id).toBe(body.user.id);
    // The same OpenID on the other platform is a different person.
    const qq = await (await login("qq", code)).json<LoginResponse>();
    expect(qq.user.id).not.toBe(body.user.id);
  });

  it.each([
    ["err-40029", 401, "invalid_code"],
    ["err-40163", 401, "invalid_code"],
    ["err-45011", 429, "rate_limited"],
    ["err-40226", 403, "blocked_by_platform"],
    ["err--1", 502, "platform_unavailable"],
    ["http-500", 502, "platform_unavailable"],
    ["garbage", 502, "platform_unavailable"],
    ["slow-2500", 502, "platform_unavailable"],
  ])("maps the platform answer to %s to %i %s", async (code, status, errorCode) => {
    const res = await login("wechat", code);
    expect(res.status).toBe(status);
    const body = await res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe(errorCode);
    expect(body.error.message).not.toMatch(/secret|session_key/i);
  });

  it("gives a dev user a stable identity per name", async () => {
    const name = uniqueName("alice");
    const a = await devLogin(name);
    const b = await devLogin(name);
    expect(b.user.id).toBe(a.user.id);
    expect((await devLogin()).user.id).not.toBe(a.user.id);
  });

  it("rejects dev login with 400 when DEV_LOGIN is off", async () => {
    const request = new Request("https://onechat.test/api/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ platform: "dev", code: "mallory" }),
    });
    const ctx = createExecutionContext();
    const res = await app.fetch(request, { ...env, DEV_LOGIN: "false" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "bad_request" } });
  });

  it.each([
    [{ platform: "wechat" }, "code"],
    [{ platform: "weibo", code: "x" }, "platform"],
    [{ platform: "qq", code: "" }, "code"],
    [{ platform: "qq", code: 42 }, "code"],
  ])("rejects a malformed body %j naming the field", async (json, field) => {
    const res = await api("/api/login", { method: "POST", json });
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe("bad_request");
    expect(body.error.message).toContain(field);
  });

  it("rejects a body that is not JSON, and one that is too large", async () => {
    const notJson = await api("/api/login", { method: "POST", body: "{", headers: { "Content-Type": "application/json" } });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: "bad_request" } });
    const huge = await api("/api/login", { method: "POST", json: { platform: "dev", code: "x".repeat(20_000) } });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: "payload_too_large" } });
  });
});

describe("session tokens", () => {
  it("refuses missing, expired and forged tokens with 401", async () => {
    const user = await devLogin();
    const now = Math.floor(Date.now() / 1000);
    const expired = await sign({ sub: user.user.id, iat: now - 7200, exp: now - 3600 }, env.SESSION_SECRET, "HS256");
    const forged = await sign({ sub: user.user.id, iat: now, exp: now + 3600 }, "not-the-server-secret", "HS256");
    for (const token of [undefined, expired, forged, "not.a.jwt", `${user.token}x`]) {
      const res = await api("/api/me", { token });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
  });

  it("refuses a token whose user no longer exists", async () => {
    const user = await devLogin();
    await env.DB.prepare("DELETE FROM users WHERE id = ?").bind(user.user.id).run();
    expect((await api("/api/me", { token: user.token })).status).toBe(401);
  });
});
