import { env } from "cloudflare:test";
import { desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../../worker/db/client";
import { flagMessages } from "../../worker/db/flags";
import { adminAudit } from "../../worker/db/schema";
import { moderateMessage } from "../../worker/moderation/moderate";
import { CLOSE, type AdminFlaggedResponse, type AdminReportsResponse, type FilterWordsResponse } from "../../worker/protocol";
import { clientKey } from "../../worker/http/client-key";
import { ADMIN_AUTH_RULE } from "../../worker/limits/rules";
import { limiterName } from "../../worker/limits/shared-limiter";
import { ADMIN_TOKEN, adminApi, api, devLogin, mustConnect, randomAddress, uniqueName } from "./helpers";
import { newPool, openLobby, workerIn } from "./lobby-helpers";
import { pairWithConversation, seedMessages } from "./safety-helpers";

async function auditRows(action: string, target: string) {
  return db(env.DB)
    .select()
    .from(adminAudit)
    .where(eq(adminAudit.target, target))
    .orderBy(desc(adminAudit.id))
    .all()
    .then((rows) => rows.filter((r) => r.action === action));
}

describe("admin safety endpoints need the admin token", () => {
  const calls: [string, string, unknown?][] = [
    ["GET", "/api/admin/reports"],
    ["GET", "/api/admin/flagged"],
    ["POST", "/api/admin/users/someone/ban"],
    ["POST", "/api/admin/users/someone/unban"],
    ["GET", "/api/admin/filter-words"],
    ["POST", "/api/admin/filter-words", { words: ["x"] }],
    ["DELETE", "/api/admin/filter-words/x"],
  ];

  it.each(calls)("%s %s → 401 without a token, with a wrong one, and with a user's session token", async (method, path, json) => {
    const user = await devLogin();
    for (const token of [undefined, "wrong-token", user.token]) {
      const res = await api(path, { method, token, json });
      expect(res.status).toBe(401);
      expect((await res.json<any>()).error.code).toBe("unauthorized");
    }
  });

  it("a ban without the token bans nobody", async () => {
    const victim = await devLogin();
    await api(`/api/admin/users/${victim.user.id}/ban`, { method: "POST", token: "nope" });
    expect((await api("/api/me", { token: victim.token })).status).toBe(200);
  });
});

describe("wrong admin tokens", () => {
  it(`are throttled per client: ${ADMIN_AUTH_RULE.burst} tries, then 429 too_many_attempts even for the right token; each failure audited`, async () => {
    const address = randomAddress();
    const from = (token: string | undefined, addr = address) =>
      api("/api/admin/reports", { token, headers: { "CF-Connecting-IP": addr } });
    const statuses: number[] = [];
    for (let i = 0; i < ADMIN_AUTH_RULE.burst; i++) statuses.push((await from(`guess-${i}`)).status);
    expect(statuses).toEqual(Array(ADMIN_AUTH_RULE.burst).fill(401));

    for (const token of ["guess-again", undefined, ADMIN_TOKEN]) {
      const refused = await from(token);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual({ error: { code: "too_many_attempts", message: expect.stringMatching(/try again/) } });
    }
    // Another address of the same /64 is the same client; another /64 is not.
    expect((await from(ADMIN_TOKEN, address.replace(/::1$/, "::2"))).status).toBe(429);
    expect((await from(ADMIN_TOKEN, randomAddress())).status).toBe(200);

    // Every wrong try left a row naming the client by a keyed hash, never by its address.
    const target = await limiterName(env, "admin-auth", clientKey(address));
    const rows = await auditRows("admin_auth_failed", target);
    expect(rows).toHaveLength(ADMIN_AUTH_RULE.burst);
    expect(JSON.stringify(rows)).not.toContain(address.split("::")[0]);
  });
});

describe("parallel wrong admin tokens", () => {
  it(`40 at once from one client: at most ${ADMIN_AUTH_RULE.burst} are checked (401), the rest 429 unchecked; the right token is then refused too`, async () => {
    const address = randomAddress();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => api("/api/admin/reports", { token: `parallel-guess-${i}`, headers: { "CF-Connecting-IP": address } })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(ADMIN_AUTH_RULE.burst);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40 - ADMIN_AUTH_RULE.burst);
    expect((await api("/api/admin/reports", { token: ADMIN_TOKEN, headers: { "CF-Connecting-IP": address } })).status).toBe(429);
    const target = await limiterName(env, "admin-auth", clientKey(address));
    expect(await auditRows("admin_auth_failed", target)).toHaveLength(ADMIN_AUTH_RULE.burst);
  });

  it("right tokens in parallel are never charged", async () => {
    const address = randomAddress();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => api("/api/admin/reports", { token: ADMIN_TOKEN, headers: { "CF-Connecting-IP": address } })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(12).fill(200));
  });
});

describe("ban and unban", () => {
  it("a ban refuses the user's login (403 banned) and every call, closes their room socket, and is audited; unban restores", async () => {
    const { alice, bob, conversationId } = await pairWithConversation();
    const aliceSocket = await mustConnect(`/api/rooms/${conversationId}`, alice.token);
    const bobSocket = await mustConnect(`/api/rooms/${conversationId}`, bob.token);
    await aliceSocket.next("history");
    await bobSocket.next("history");

    const res = await adminApi(`/api/admin/users/${bob.user.id}/ban`, { method: "POST" });
    expect(res.status).toBe(200);
    const body = await res.json<{ id: string; bannedAt: number }>();
    expect(body.id).toBe(bob.user.id);
    expect(body.bannedAt).toBeGreaterThan(0);

    expect((await bobSocket.next("error")).code).toBe("banned");
    expect((await bobSocket.waitClosed()).code).toBe(CLOSE.ended);
    expect(await aliceSocket.next("partner_left")).toEqual({ type: "partner_left" });

    const relog = await api("/api/login", { method: "POST", json: { platform: "dev", code: bob.name } });
    expect(relog.status).toBe(403);
    expect((await relog.json<any>()).error.code).toBe("banned");
    const me = await api("/api/me", { token: bob.token });
    expect(me.status).toBe(403);
    expect((await me.json<any>()).error.code).toBe("banned");
    // Written in the ban's own batch, counting the rows the ban changed.
    expect(await auditRows("ban_user", bob.user.id)).toMatchObject([{ count: 1 }]);

    // Banning again keeps the first ban time.
    const again = await adminApi(`/api/admin/users/${bob.user.id}/ban`, { method: "POST" });
    expect((await again.json<any>()).bannedAt).toBe(body.bannedAt);

    const unban = await adminApi(`/api/admin/users/${bob.user.id}/unban`, { method: "POST" });
    expect(unban.status).toBe(200);
    expect(await unban.json()).toEqual({ id: bob.user.id, bannedAt: null });
    expect((await api("/api/login", { method: "POST", json: { platform: "dev", code: bob.name } })).status).toBe(200);
    expect((await api("/api/me", { token: bob.token })).status).toBe(200);
    expect(await auditRows("unban_user", bob.user.id)).toMatchObject([{ count: 1 }]);
    aliceSocket.close();
  });

  it("a ban takes a waiting user out of the lobby: error banned, close 4002, never matched", async () => {
    // The lobby and the ban in this test's own pool, so nobody from another test meets this user.
    const pool = newPool();
    const waiting = await devLogin();
    const ws = await openLobby(pool, waiting.token);
    await ws.next("waiting");
    const ban = await workerIn(pool)(`/api/admin/users/${waiting.user.id}/ban`, { method: "POST", token: ADMIN_TOKEN });
    expect(ban.status).toBe(200);
    expect(await ws.next("error")).toMatchObject({ code: "banned" });
    expect((await ws.waitClosed()).code).toBe(CLOSE.ended);
    const refused = await api("/api/me", { token: waiting.token });
    expect(refused.status).toBe(403);
  });

  it("an unknown user is 404 for ban and unban, and the attempt is on record with count 0", async () => {
    const nobody = uniqueName("no-such-user");
    for (const action of ["ban", "unban"]) {
      const res = await adminApi(`/api/admin/users/${nobody}/${action}`, { method: "POST" });
      expect(res.status).toBe(404);
      expect((await res.json<any>()).error.code).toBe("not_found");
      expect(await auditRows(`${action}_user`, nobody)).toMatchObject([{ count: 0 }]);
    }
  });
});

describe("GET /api/admin/reports", () => {
  it("pages newest first with a cursor, and audits the listing", async () => {
    // One report per conversation: three pairs, filed in order.
    const conversationIds = new Set<string>();
    for (const reason of ["first", "second", "third"]) {
      const { alice, conversationId } = await pairWithConversation();
      conversationIds.add(conversationId);
      const res = await api("/api/reports", { method: "POST", token: alice.token, json: { conversationId, reason } });
      expect(res.status).toBe(204);
    }
    // Newest first: the three just filed are at the top unless another file files one meanwhile,
    // so walk pages of one until all three are seen.
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50 && seen.length < 3; page++) {
      const res = await adminApi(`/api/admin/reports?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      const body: AdminReportsResponse = await res.json();
      expect(body.reports).toHaveLength(1);
      if (conversationIds.has(body.reports[0].conversationId)) seen.push(body.reports[0].reason);
      cursor = body.nextCursor;
      expect(cursor).not.toBeNull();
    }
    expect(seen).toEqual(["third", "second", "first"]);
    const rows = await db(env.DB).select().from(adminAudit).where(eq(adminAudit.action, "list_reports")).all();
    expect(rows.length).toBeGreaterThan(0);
  });

  it("refuses a bad limit or cursor with bad_request", async () => {
    for (const query of ["limit=0", "limit=101", "limit=abc", "cursor=abc", "cursor=-3"]) {
      const res = await adminApi(`/api/admin/reports?${query}`);
      expect(res.status, query).toBe(400);
      expect((await res.json<any>()).error.code).toBe("bad_request");
    }
  });
});

describe("GET /api/admin/flagged", () => {
  it("lists messages delivered under review with their text, newest first, paged without gaps", async () => {
    const { alice, bob, conversationId } = await pairWithConversation();
    const rows = await seedMessages(conversationId, [alice.user.id, bob.user.id], 4);
    const at = Date.now() + 10 * 24 * 3600 * 1000; // in the future: on top of every other flag
    await flagMessages(env.DB, [
      { messageId: rows[0].id, conversationId, reason: "review", createdAt: at },
      { messageId: rows[1].id, conversationId, reason: "unchecked", createdAt: at },
      { messageId: rows[3].id, conversationId, reason: "review", createdAt: at - 1 },
      // Its message has not reached D1 yet: not listed until it does.
      { messageId: "not-copied-yet", conversationId, reason: "review", createdAt: at },
    ]);
    // Flagging again (a retried copy) changes nothing.
    await flagMessages(env.DB, [{ messageId: rows[0].id, conversationId, reason: "review", createdAt: at }]);

    const listed: AdminFlaggedResponse["messages"] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res = await adminApi(`/api/admin/flagged?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(res.status).toBe(200);
      const body: AdminFlaggedResponse = await res.json();
      listed.push(...body.messages);
      cursor = body.nextCursor;
    }
    expect(listed.map((m) => m.messageId)).toEqual([rows[0].id, rows[1].id].sort().reverse().concat(rows[3].id));
    const first = listed.find((m) => m.messageId === rows[0].id)!;
    expect(first).toEqual({
      messageId: rows[0].id,
      conversationId,
      senderId: alice.user.id,
      text: "message 1",
      reason: "review",
      at,
      verdict: null, // flagged straight into D1 here: the room's triage never saw it
    });
  });
});

describe("filter words", () => {
  const word = () => `测试词${crypto.randomUUID().slice(0, 8)}`;

  it("GET lists the defaults (seeded when the table is empty)", async () => {
    const res = await adminApi("/api/admin/filter-words");
    expect(res.status).toBe(200);
    const { words }: FilterWordsResponse = await res.json();
    expect(words).toContain("约炮");
  });

  it("POST adds normalized words that the filter applies at once; DELETE removes them", async () => {
    const raw = word();
    const typed = `Ｘ ${raw}！`;
    const stored = `x${raw}`;
    const add = await api("/api/admin/filter-words", { method: "POST", token: ADMIN_TOKEN, json: { words: [typed] } });
    expect(add.status).toBe(200);
    expect((await add.json<FilterWordsResponse>()).words).toContain(stored);
    expect((await moderateMessage(env, { text: `hello X-${raw} there`, platform: "dev" })).verdict).toBe("reject");
    expect(await auditRows("add_filter_words", stored)).toMatchObject([{ count: 1 }]);

    const del = await adminApi(`/api/admin/filter-words/${encodeURIComponent(typed)}`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect((await del.json<FilterWordsResponse>()).words).not.toContain(stored);
    expect((await moderateMessage(env, { text: `hello X-${raw} there`, platform: "dev" })).verdict).toBe("pass");
    expect(await auditRows("remove_filter_word", stored)).toMatchObject([{ count: 1 }]);
  });

  it("refuses words that are empty once normalized, bad bodies, and unknown words", async () => {
    const bad: [unknown, string][] = [
      [{ words: ["!!!"] }, "bad_request"],
      [{ words: [] }, "bad_request"],
      [{ words: "约炮" }, "bad_request"],
      [{ words: ["a".repeat(51)] }, "bad_request"],
      [{}, "bad_request"],
    ];
    for (const [json, code] of bad) {
      const res = await api("/api/admin/filter-words", { method: "POST", token: ADMIN_TOKEN, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect((await res.json<any>()).error.code).toBe(code);
    }
    const missing = await adminApi(`/api/admin/filter-words/${encodeURIComponent(word())}`, { method: "DELETE" });
    expect(missing.status).toBe(404);
  });
});
