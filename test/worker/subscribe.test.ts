// Subscribe messages (订阅消息) to people who left the app: only with consent, at most one per
// consent (so one per absence), the openid kept only sealed and only while the consent lasts.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { deleteLapsedConsents, listConsents } from "../../worker/db/subscriptions";
import { findUser } from "../../worker/db/users";
import { CONSENT_TTL_MS, notifyAway } from "../../worker/notify/away";
import type { SubscribeResponse, SubscribeTemplatesResponse } from "../../worker/protocol";
import { api, devLogin, platformLogin, sentTo } from "./helpers";

async function person(platform: "wechat" | "qq", prefix = "sub") {
  const login = await platformLogin(platform, prefix);
  const user = (await findUser(env.DB, login.user.id))!;
  return { ...login, user };
}

function consent(token: string, kinds: string[], ticket: string | undefined) {
  return api("/api/subscriptions", { method: "POST", token, json: { kinds, ticket } });
}

describe("subscribe messages", () => {
  it("lists the template ids configured for the person's platform", async () => {
    const wx = await person("wechat");
    const qq = await person("qq");
    const dev = await devLogin();
    const templates = async (token: string) =>
      (await (await api("/api/subscriptions/templates", { token })).json<SubscribeTemplatesResponse>()).templates;
    expect(await templates(wx.token)).toEqual({ matched: "tmpl-wx-matched", reply: "tmpl-wx-reply" });
    expect(await templates(qq.token)).toEqual({ matched: "tmpl-qq-matched" });
    expect(await templates(dev.token)).toEqual({});
  });

  it("is never sent without consent", async () => {
    const p = await person("wechat");
    expect(await notifyAway(env, p.user, "matched")).toBe("no_consent");
    expect(await notifyAway(env, p.user, "reply")).toBe("no_consent");
    expect(await sentTo(p.openid)).toEqual([]);
  });

  it("sends once per consent with the template and text, keeping the openid only sealed", async () => {
    const p = await person("wechat");
    const res = await consent(p.token, ["matched", "reply"], p.checkTicket);
    expect(res.status).toBe(200);
    const body = await res.json<SubscribeResponse>();
    expect(body.kinds.map((k) => k.kind).sort()).toEqual(["matched", "reply"]);
    const rows = await listConsents(env.DB, p.user.id);
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(p.openid);

    expect(await notifyAway(env, p.user, "matched")).toBe("sent");
    expect(await notifyAway(env, p.user, "matched")).toBe("no_consent");
    expect(await notifyAway(env, p.user, "reply")).toBe("sent");
    expect(await notifyAway(env, p.user, "reply")).toBe("no_consent");
    const sent = await sentTo(p.openid);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({
      template_id: "tmpl-wx-matched",
      page: "pages/chat/index",
      data: { thing1: { value: "匹配成功" }, time2: { value: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d$/) } },
    });
    expect(sent[1]).toMatchObject({ template_id: "tmpl-wx-reply", data: { thing1: { value: "对方回复了你" } } });
    // Used consents take the sealed openid with them.
    expect(await listConsents(env.DB, p.user.id)).toEqual([]);
  });

  it("sends one message when several events race for one consent", async () => {
    const p = await person("wechat");
    expect((await consent(p.token, ["reply"], p.checkTicket)).status).toBe(200);
    const results = await Promise.all(Array.from({ length: 5 }, () => notifyAway(env, p.user, "reply")));
    expect(results.filter((r) => r === "sent")).toHaveLength(1);
    expect(await sentTo(p.openid)).toHaveLength(1);
  });

  it("forgets a consent (and its sealed openid) once it is no longer usable", async () => {
    const p = await person("wechat");
    const res = await consent(p.token, ["matched", "reply"], p.checkTicket);
    const { kinds } = await res.json<SubscribeResponse>();
    const matched = kinds.find((k) => k.kind === "matched")!;
    expect(matched.expiresAt - Date.now()).toBeLessThanOrEqual(CONSENT_TTL_MS.matched);
    expect(await notifyAway(env, p.user, "matched", matched.expiresAt + 1)).toBe("no_consent");
    const reply = kinds.find((k) => k.kind === "reply")!;
    await deleteLapsedConsents(env.DB, reply.expiresAt + 1);
    expect(await listConsents(env.DB, p.user.id)).toEqual([]);
    expect(await sentTo(p.openid)).toEqual([]);
  });

  it("counts a refusal by the platform as the consent used", async () => {
    const p = await person("wechat", "refused");
    await consent(p.token, ["reply"], p.checkTicket);
    expect(await notifyAway(env, p.user, "reply")).toBe("refused");
    expect(await listConsents(env.DB, p.user.id)).toEqual([]);
  });

  it("QQ: sends where a template is configured and keeps nothing where none is", async () => {
    const p = await person("qq");
    const res = await consent(p.token, ["matched", "reply"], p.checkTicket);
    expect((await res.json<SubscribeResponse>()).kinds.map((k) => k.kind)).toEqual(["matched"]);
    expect(await notifyAway(env, p.user, "reply")).toBe("not_configured");
    expect(await notifyAway(env, p.user, "matched")).toBe("sent");
    expect(await sentTo(p.openid)).toEqual([
      expect.objectContaining({ platform: "qq", template_id: "tmpl-qq-matched", data: expect.objectContaining({ keyword1: { value: "匹配成功" } }) }),
    ]);
  });

  it("needs a valid ticket of one's own, a platform login, and known kinds", async () => {
    const p = await person("wechat");
    const other = await person("wechat");
    const dev = await devLogin();
    const code = async (res: Response) => [res.status, (await res.json<any>()).error.code];
    expect(await code(await consent(p.token, ["reply"], other.checkTicket))).toEqual([401, "ticket_required"]);
    expect(await code(await consent(p.token, ["reply"], "forged"))).toEqual([401, "ticket_required"]);
    expect(await code(await consent(p.token, ["reply"], undefined))).toEqual([400, "bad_request"]);
    expect(await code(await consent(p.token, ["everything"], p.checkTicket))).toEqual([400, "bad_request"]);
    expect(await code(await consent(dev.token, ["reply"], "x"))).toEqual([400, "bad_request"]);
    expect(await listConsents(env.DB, p.user.id)).toEqual([]);
  });

  it("withdrawing or erasing the account removes the consents", async () => {
    const p = await person("wechat");
    await consent(p.token, ["matched", "reply"], p.checkTicket);
    expect((await api("/api/subscriptions", { method: "DELETE", token: p.token })).status).toBe(204);
    expect(await notifyAway(env, p.user, "reply")).toBe("no_consent");

    const q = await person("wechat");
    await consent(q.token, ["reply"], q.checkTicket);
    expect((await api("/api/me", { method: "DELETE", token: q.token })).status).toBe(200);
    expect(await listConsents(env.DB, q.user.id)).toEqual([]);
  });
});
