import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  REPORT_REASON_MINOR,
  type AdminAuditResponse,
  type AdminConversationResponse,
  type AdminLiveResponse,
  type AdminQueueReport,
  type AdminQueueResponse,
  type AdminUserDetail,
} from "../../worker/protocol";
import { app } from "../../worker/index";
import { adminApi, api, devLogin } from "./helpers";
import { pairWithConversation, seedMessages } from "./safety-helpers";

async function report(token: string, conversationId: string, reason: string, category?: string) {
  const res = await api("/api/reports", { method: "POST", token, json: { conversationId, reason, category } });
  expect(res.status).toBe(204);
}

/** Every page of the queue with this status, so reports from other tests never hide ours. */
async function queue(status: "open" | "handled"): Promise<AdminQueueReport[]> {
  const all: AdminQueueReport[] = [];
  let cursor: string | null = null;
  do {
    const res = await adminApi(`/api/admin/console/reports?status=${status}&limit=100${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.status).toBe(200);
    const body: AdminQueueResponse = await res.json();
    all.push(...body.reports);
    cursor = body.nextCursor;
  } while (cursor);
  return all;
}

/** The default queue's report ids, walked by its cursor one report a page. */
async function idsOnePerPage(): Promise<number[]> {
  const paged: number[] = [];
  let cursor: string | null = null;
  do {
    const page: AdminQueueResponse = await (await adminApi(`/api/admin/console/reports?limit=1${cursor ? `&cursor=${cursor}` : ""}`)).json();
    paged.push(...page.reports.map((r) => r.id));
    cursor = page.nextCursor;
  } while (cursor);
  return paged;
}

async function audited(action: string, target: string) {
  const rows = await env.DB.prepare("SELECT action FROM admin_audit WHERE action = ? AND target = ?").bind(action, target).all();
  return rows.results.length;
}

describe("admin console API", () => {
  it.each([
    ["POST", "/api/admin/console/session"],
    ["GET", "/api/admin/console/reports"],
    ["POST", "/api/admin/console/reports/1/handle"],
    ["GET", "/api/admin/console/conversations/x"],
    ["GET", "/api/admin/console/users/x"],
    ["DELETE", "/api/admin/console/users/x"],
    ["GET", "/api/admin/console/audit"],
    ["GET", "/api/admin/console/live"],
  ])("%s %s needs the admin token", async (method, path) => {
    const user = await devLogin();
    for (const token of [undefined, "wrong-token", user.token]) {
      const res = await api(path, { method, token, json: method === "POST" ? { action: "dismiss" } : undefined });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    }
  });

  it("queues open reports newest first with the count against the user; a handled report leaves the queue, audited", async () => {
    const first = await pairWithConversation();
    const second = await pairWithConversation();
    const target = first.bob;
    await seedMessages(first.conversationId, [first.alice.user.id, target.user.id], 3);
    // The second reporter meets the same reported user in another conversation.
    const other = await devLogin();
    const { getOrCreateConversation } = await import("./helpers");
    const conv2 = await getOrCreateConversation(env.DB, other.user.id, target.user.id, Date.now());
    await seedMessages(conv2.id, [other.user.id, target.user.id], 2);
    await report(first.alice.token, first.conversationId, "first reason");
    await report(other.token, conv2.id, "second reason");
    await report(second.alice.token, second.conversationId, "unrelated");

    const open = await queue("open");
    const ours = open.filter((r) => r.reportedId === target.user.id);
    expect(ours.map((r) => r.reason)).toEqual(["second reason", "first reason"]);
    expect(ours.every((r) => r.reportsAgainst === 2 && r.handledAt === null)).toBe(true);
    expect(ours[1].messages.map((m) => m.from)).toEqual(["reporter", "reported", "reporter"]);
    const ids = open.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    // One at a time, the cursor walks the same queue with nothing skipped or repeated.
    const paged = await idsOnePerPage();
    expect(paged.filter((id) => ours.some((r) => r.id === id))).toEqual(ours.map((r) => r.id));
    expect(new Set(paged).size).toBe(paged.length);

    const res = await adminApi(`/api/admin/console/reports/${ours[1].id}/handle`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ action: "dismiss", note: "not abusive" }),
    });
    expect(res.status).toBe(200);
    expect((await queue("open")).some((r) => r.id === ours[1].id)).toBe(false);
    const handled = (await queue("handled")).find((r) => r.id === ours[1].id);
    expect(handled).toMatchObject({ handledAction: "dismiss", handledNote: "not abusive", handledAt: expect.any(Number) });
    expect(await audited("handle_report_dismiss", String(ours[1].id))).toBe(1);

    // Handled once only: a second click (another admin) is a clear 404, and nothing changes.
    const again = await adminApi(`/api/admin/console/reports/${ours[1].id}/handle`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ action: "ban" }),
    });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ error: { code: "not_found" } });
    expect((await queue("handled")).find((r) => r.id === ours[1].id)?.handledAction).toBe("dismiss");
  });

  it("lists suspected-minor reports first, as the admin API does, and pages across the two groups", async () => {
    const minor = await pairWithConversation();
    const plain = await pairWithConversation();
    await report(minor.alice.token, minor.conversationId, "看起来是初中生", "minor");
    await report(plain.alice.token, plain.conversationId, `${REPORT_REASON_MINOR}：spam`, "other");
    const ours = (await queue("open")).filter((r) => [minor.bob.user.id, plain.bob.user.id].includes(r.reportedId));
    expect(ours.map((r) => [r.category, r.reason])).toEqual([
      ["minor", "看起来是初中生"],
      ["other", `${REPORT_REASON_MINOR}：spam`],
    ]);

    const paged = await idsOnePerPage();
    expect(paged.filter((id) => ours.some((r) => r.id === id))).toEqual(ours.map((r) => r.id));
    expect(new Set(paged).size).toBe(paged.length);
  });

  it("refuses an unknown handling or a bad id with bad_request", async () => {
    for (const [path, body] of [
      ["/api/admin/console/reports/1/handle", { action: "explode" }],
      ["/api/admin/console/reports/abc/handle", { action: "dismiss" }],
      ["/api/admin/console/reports/1/handle", { action: "dismiss", note: "x".repeat(501) }],
    ] as const) {
      const res = await adminApi(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "bad_request" } });
    }
  });

  it("pages a conversation newest page first and shows a user with their reports and conversations", async () => {
    const { alice, bob, conversationId } = await pairWithConversation();
    await seedMessages(conversationId, [alice.user.id, bob.user.id], 5);
    await report(alice.token, conversationId, "rude");

    const page1: AdminConversationResponse = await (await adminApi(`/api/admin/console/conversations/${conversationId}?limit=3`)).json();
    expect(page1.messages.map((m) => m.seq)).toEqual([3, 4, 5]);
    expect(page1.nextBefore).toBe(3);
    const page2: AdminConversationResponse = await (
      await adminApi(`/api/admin/console/conversations/${conversationId}?limit=3&before=${page1.nextBefore}`)
    ).json();
    expect(page2.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(page2.nextBefore).toBeNull();
    expect(page1.messages[0].senderId).toBe(alice.user.id);

    const user: AdminUserDetail = await (await adminApi(`/api/admin/console/users/${bob.user.id}`)).json();
    expect(user).toMatchObject({ id: bob.user.id, bannedAt: null, platform: "dev", matchingSuspendedAt: null });
    expect(user.adultConfirmedAt).toEqual(expect.any(Number));
    expect((await adminApi(`/api/admin/users/${bob.user.id}/suspend-matching`, { method: "POST" })).status).toBe(200);
    const suspended: AdminUserDetail = await (await adminApi(`/api/admin/console/users/${bob.user.id}`)).json();
    expect(suspended.matchingSuspendedAt).toEqual(expect.any(Number));
    expect(user.reportsAgainst.map((r) => r.reason)).toEqual(["rude"]);
    expect(user.conversations).toEqual([expect.objectContaining({ id: conversationId, partnerId: alice.user.id })]);
    expect((await adminApi("/api/admin/console/conversations/nope")).status).toBe(404);
  });

  it("erases a user the way DELETE /api/me does, audited", async () => {
    const { alice, bob, conversationId } = await pairWithConversation();
    await seedMessages(conversationId, [alice.user.id, bob.user.id], 4);
    const res = await adminApi(`/api/admin/console/users/${bob.user.id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: 4 });
    expect((await adminApi(`/api/admin/console/users/${bob.user.id}`)).status).toBe(404);
    expect((await api("/api/me", { token: bob.token })).status).toBe(401);
    expect(await audited("erase_user", bob.user.id)).toBe(1);
    expect((await adminApi(`/api/admin/console/users/${bob.user.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("gives live figures from D1 and the lobby", async () => {
    const before: AdminLiveResponse = await (await adminApi("/api/admin/console/live")).json();
    const { alice, bob, conversationId } = await pairWithConversation();
    await seedMessages(conversationId, [alice.user.id, bob.user.id], 3, () => Date.now());
    await report(alice.token, conversationId, "live");
    const after: AdminLiveResponse = await (await adminApi("/api/admin/console/live")).json();
    expect(after.messagesLastMinute - before.messagesLastMinute).toBeGreaterThanOrEqual(3);
    expect(after.activeRooms - before.activeRooms).toBeGreaterThanOrEqual(1);
    expect(after.reportsOpen - before.reportsOpen).toBeGreaterThanOrEqual(1);
    expect(after.waiting).toEqual(expect.any(Number));
  });

  it("lists the audit log newest first, failed and successful sign-ins included", async () => {
    expect((await api("/api/admin/console/session", { method: "POST" })).status).toBe(401);
    expect((await adminApi("/api/admin/console/session", { method: "POST" })).status).toBe(200);
    const body: AdminAuditResponse = await (await adminApi("/api/admin/console/audit?limit=100")).json();
    const ids = body.entries.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(body.entries.some((e) => e.action === "console_sign_in")).toBe(true);
  });
});

describe("web pages", () => {
  it("serves the web chat at / and the console at /admin with a strict CSP", async () => {
    for (const [path, marker] of [
      ["/", 'src="/assets/chat.js"'],
      ["/admin", 'src="/assets/admin.js"'],
      ["/assets/app.css", ":root"],
    ] as const) {
      const res = await api(path);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(marker);
      const csp = res.headers.get("Content-Security-Policy") ?? "";
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).toContain("frame-ancestors 'none'");
    }
  });

  it("without dev login, / explains the mini program and loads no chat", async () => {
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request("https://onechat.test/"), { ...env, DEV_LOGIN: "false" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("微信 / QQ 小程序");
    expect(html).not.toContain("<script");
    expect(res.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
  });

  it("serves nothing else from the assets directory", async () => {
    for (const path of ["/chat.html", "/admin.html", "/assets/../chat.html", "/assets/nope.js", "/assets/x.html"]) {
      const res = await api(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
    }
  });
});
