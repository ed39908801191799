import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CHECK_TICKET_TTL_MS, openTicket, sealTicket } from "../../worker/platform/ticket";
import type { LoginResponse } from "../../worker/protocol";
import { api, devLogin, uniqueName } from "./helpers";

describe("check ticket (the openid for msgSecCheck, sealed; the server keeps it nowhere)", () => {
  const now = 1_800_000_000_000;

  it("opens for the user it was sealed for, until it expires two hours later", async () => {
    const { ticket, expiresAt } = await sealTicket(env, "openid-123", now, "user-1");
    expect(expiresAt).toBe(now + CHECK_TICKET_TTL_MS);
    expect(await openTicket(env, ticket, now, "user-1")).toBe("openid-123");
    expect(await openTicket(env, ticket, expiresAt - 1, "user-1")).toBe("openid-123");
    expect(await openTicket(env, ticket, expiresAt, "user-1")).toBeNull();
  });

  it("is useless to another user, when altered, when garbage, or under another secret", async () => {
    const { ticket } = await sealTicket(env, "openid-123", now, "user-1");
    expect(await openTicket(env, ticket, now, "user-2")).toBeNull();
    const flipped = ticket.slice(0, 20) + (ticket[20] === "A" ? "B" : "A") + ticket.slice(21);
    expect(await openTicket(env, flipped, now, "user-1")).toBeNull();
    for (const junk of ["", "abc", "!!!!", "a".repeat(2000), ticket.slice(0, 30)]) {
      expect(await openTicket(env, junk, now, "user-1")).toBeNull();
    }
    expect(await openTicket({ ...env, TICKET_SECRET: "another-secret-0123456789" }, ticket, now, "user-1")).toBeNull();
  });

  it("does not carry the openid in readable form, and differs each time", async () => {
    const a = await sealTicket(env, "openid-visible", now, "user-1");
    const b = await sealTicket(env, "openid-visible", now, "user-1");
    expect(a.ticket).not.toBe(b.ticket);
    const bytes = atob(a.ticket.replaceAll("-", "+").replaceAll("_", "/"));
    expect(bytes).not.toContain("openid-visible");
  });

  it("comes with WeChat and QQ logins and opens to the platform's openid; dev logins get none", async () => {
    for (const platform of ["wechat", "qq"] as const) {
      const code = uniqueName(platform);
      const before = Date.now();
      const res = await api("/api/login", { method: "POST", json: { platform, code } });
      expect(res.status).toBe(200);
      const body = await res.json<LoginResponse>();
      expect(body.checkTicket).toEqual(expect.any(String));
      expect(body.checkTicketExpiresAt).toBeGreaterThanOrEqual(before + CHECK_TICKET_TTL_MS);
      expect(await openTicket(env, body.checkTicket!, Date.now(), body.user.id)).toBe(`openid-${code}`);
    }
    const dev = await devLogin();
    expect(dev.checkTicket).toBeUndefined();
    expect(dev.checkTicketExpiresAt).toBeUndefined();
  });
});
