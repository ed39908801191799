// Adults only (issue 14): the 18+ confirmation gates matching, an admin can suspend matching
// pending review, and "疑似未成年" reports come first for admins.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { findUser } from "../../worker/db/users";
import { runRetention } from "../../worker/retention";
import { REPORT_REASON_MINOR, type AdminReport, type AdminReportsResponse, type MeResponse } from "../../worker/protocol";
import { adminApi, api, confirmAdult, connect, devLogin } from "./helpers";
import { ADMIN_TOKEN } from "./helpers";
import { leave, openLobby, workerIn } from "./lobby-helpers";
import { pairWithConversation } from "./safety-helpers";

/** A lobby pool of this file's own, so no other test file's waiters meet these. */
const POOL = `adult-${crypto.randomUUID()}`;

async function lobbyRefusal(token: string): Promise<{ status: number; code: string }> {
  const result = await connect("/api/lobby", token);
  if (!(result instanceof Response)) {
    result.close();
    throw new Error("the lobby accepted the socket");
  }
  return { status: result.status, code: (await result.json<any>()).error.code };
}

async function waits(token: string): Promise<void> {
  const ws = await openLobby(POOL, token);
  expect(await ws.next("waiting")).toMatchObject({ type: "waiting" });
  await leave(ws);
}

describe("the 18+ confirmation", () => {
  it("is required before matching, is stored once, and then the lobby admits the person", async () => {
    const kid = await devLogin(undefined, { adult: false });
    expect(await lobbyRefusal(kid.token)).toEqual({ status: 403, code: "adult_required" });
    const before = await (await api("/api/me", { token: kid.token })).json<MeResponse>();
    expect(before.adultConfirmedAt).toBeNull();

    // Anything but an explicit `confirmed: true` is refused, and nothing is stored.
    for (const json of [{}, { confirmed: false }, { confirmed: "yes" }, { birthDate: "2000-01-01" }]) {
      const res = await api("/api/me/adult", { method: "POST", token: kid.token, json });
      expect(res.status).toBe(400);
      expect((await res.json<any>()).error.code).toBe("bad_request");
    }
    expect(await lobbyRefusal(kid.token)).toEqual({ status: 403, code: "adult_required" });

    const first = await confirmAdult(kid.token);
    const again = await confirmAdult(kid.token);
    expect(again).toBe(first);
    const after = await (await api("/api/me", { token: kid.token })).json<MeResponse>();
    expect(after).toMatchObject({ adultConfirmedAt: first, matchingSuspended: false });
    await waits(kid.token);
  });

  it("needs a session", async () => {
    const res = await api("/api/me/adult", { method: "POST", json: { confirmed: true } });
    expect(res.status).toBe(401);
  });
});

describe("admin matching suspension", () => {
  it("refuses matching until lifted, and only admins can do it", async () => {
    const user = await devLogin();
    const path = `/api/admin/users/${user.user.id}/suspend-matching`;
    expect((await api(path, { method: "POST", token: user.token })).status).toBe(401);

    const res = await adminApi(path, { method: "POST" });
    expect(res.status).toBe(200);
    const body = await res.json<any>();
    expect(body).toMatchObject({ id: user.user.id, matchingSuspendedAt: expect.any(Number) });
    // A second suspension keeps the first time.
    const again = await (await adminApi(path, { method: "POST" })).json<any>();
    expect(again.matchingSuspendedAt).toBe(body.matchingSuspendedAt);

    expect(await lobbyRefusal(user.token)).toEqual({ status: 403, code: "matching_suspended" });
    expect((await (await api("/api/me", { token: user.token })).json<MeResponse>()).matchingSuspended).toBe(true);
    // Admins see it in the user list.
    let listed: any;
    for (let cursor: string | null = ""; listed === undefined && cursor !== null; ) {
      const page: any = await (await adminApi(`/api/admin/users?limit=100${cursor ? `&cursor=${cursor}` : ""}`)).json();
      listed = page.users.find((u: any) => u.id === user.user.id);
      cursor = page.nextCursor;
    }
    expect(listed).toMatchObject({ matchingSuspendedAt: body.matchingSuspendedAt, adultConfirmedAt: expect.any(Number) });
    // Confirming again does not lift it.
    await confirmAdult(user.token);
    expect(await lobbyRefusal(user.token)).toEqual({ status: 403, code: "matching_suspended" });

    const lifted = await adminApi(`/api/admin/users/${user.user.id}/resume-matching`, { method: "POST" });
    expect(await lifted.json()).toEqual({ id: user.user.id, matchingSuspendedAt: null });
    await waits(user.token);
  });

  it("acts at once: someone waiting in the lobby is taken out of the queue and told why", async () => {
    const waiting = await devLogin();
    const other = await devLogin();
    const ws = await openLobby(POOL, waiting.token);
    await ws.next("waiting");
    // The admin call in the same pool, so it reaches the shard the person waits in.
    const res = await workerIn(POOL)(`/api/admin/users/${waiting.user.id}/suspend-matching`, { method: "POST", token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(await ws.next("error")).toMatchObject({ code: "matching_suspended" });
    expect((await ws.waitClosed()).code).toBe(4002);
    // Out of the queue: the next person to come waits, nobody is matched with the suspended one.
    const next = await openLobby(POOL, other.token);
    expect(await next.next("waiting")).toMatchObject({ type: "waiting" });
    await leave(next);
  });

  it("outlasts retention: an idle suspended user is kept, so waiting does not lift it", async () => {
    const suspended = await devLogin();
    const idle = await devLogin();
    await adminApi(`/api/admin/users/${suspended.user.id}/suspend-matching`, { method: "POST" });
    const longAgo = Date.now() - 400 * 24 * 3600 * 1000;
    for (const id of [suspended.user.id, idle.user.id]) {
      await env.DB.prepare("UPDATE users SET last_seen_at = ? WHERE id = ?").bind(longAgo, id).run();
    }
    await runRetention(env);
    expect(await findUser(env.DB, suspended.user.id)).toMatchObject({ matchingSuspendedAt: expect.any(Number) });
    expect(await findUser(env.DB, idle.user.id)).toBeUndefined();
  });

  it("is 404 for an unknown user", async () => {
    const res = await adminApi("/api/admin/users/nobody/suspend-matching", { method: "POST" });
    expect(res.status).toBe(404);
    expect((await res.json<any>()).error.code).toBe("not_found");
  });
});

describe("suspected-minor reports", () => {
  async function allReports(limit: number): Promise<AdminReport[]> {
    const found: AdminReport[] = [];
    let cursor: string | null = null;
    do {
      const res = await adminApi(`/api/admin/reports?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const page: AdminReportsResponse = await res.json();
      found.push(...page.reports);
      cursor = page.nextCursor;
    } while (cursor);
    return found;
  }

  it("come before every other report by their category, newest first within each group, across pages", async () => {
    const bodies = [
      { category: "other", reason: "spam" },
      // An older client's exact label is filed as its category.
      { reason: REPORT_REASON_MINOR },
      { category: "harassment" },
      { category: "minor", reason: "说自己初二" },
      // Text that merely starts with the label does not jump the queue, with or without a category.
      { category: "other", reason: `${REPORT_REASON_MINOR}：插个队` },
      { reason: `${REPORT_REASON_MINOR}：插个队` },
    ];
    const mine: string[] = [];
    for (const body of bodies) {
      const { alice, conversationId } = await pairWithConversation();
      const res = await api("/api/reports", { method: "POST", token: alice.token, json: { conversationId, ...body } });
      expect(res.status).toBe(204);
      mine.push(conversationId);
    }
    for (const limit of [2, 100]) {
      const listed = (await allReports(limit)).filter((r) => mine.includes(r.conversationId));
      expect(listed.map((r) => mine.indexOf(r.conversationId))).toEqual([3, 1, 5, 4, 2, 0]);
      expect(listed.map((r) => r.category)).toEqual(["minor", "minor", "other", "other", "harassment", "other"]);
    }
    const everything = await allReports(3);
    const firstOther = everything.findIndex((r) => r.category !== "minor");
    expect(everything.slice(firstOther).some((r) => r.category === "minor")).toBe(false);
    expect(new Set(everything.map((r) => r.id)).size).toBe(everything.length);
  });

  it("need a category from the list (or an older client's reason); the words are optional", async () => {
    const { alice, conversationId } = await pairWithConversation();
    for (const json of [{ conversationId }, { conversationId, category: "spam" }, { conversationId, reason: "   " }]) {
      const res = await api("/api/reports", { method: "POST", token: alice.token, json });
      expect(res.status).toBe(400);
      expect((await res.json<any>()).error.code).toBe("bad_request");
    }
    expect((await api("/api/reports", { method: "POST", token: alice.token, json: { conversationId, category: "fraud" } })).status).toBe(204);
    const [filed] = (await allReports(100)).filter((r) => r.conversationId === conversationId);
    expect(filed).toMatchObject({ category: "fraud", reason: "" });
  });
});
