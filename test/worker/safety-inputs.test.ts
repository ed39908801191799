import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { blockedPartnerIds } from "./helpers";
import { db } from "../../worker/db/client";
import { reports } from "../../worker/db/schema";
import type { ErrorCode, MessagesResponse } from "../../worker/protocol";
import { ADMIN_TOKEN, api, devLogin } from "./helpers";
import { pairWithConversation, seedMessages } from "./safety-helpers";

// Every bad request to the safety endpoints gets its status and stable code, and none of them
// changes anything: afterwards the history is intact, nothing was reported or blocked, and a
// good request still works.

type Case = [name: string, method: string, path: string, body: unknown, auth: "user" | "none" | "stranger" | "admin", status: number, code: ErrorCode];

describe("bad REST inputs to the safety endpoints", async () => {
  const { alice, bob, conversationId } = await pairWithConversation();
  const stranger = await devLogin();
  const seeded = await seedMessages(conversationId, [alice.user.id, bob.user.id], 5);
  const raw = (text: string) => ({ raw: text });

  const cases: Case[] = [
    ["report without a session", "POST", "/api/reports", { conversationId, reason: "x" }, "none", 401, "unauthorized"],
    ["report with a forged session", "POST", "/api/reports", { conversationId, reason: "x" }, "admin", 401, "unauthorized"],
    ["report body not JSON", "POST", "/api/reports", raw("{not json"), "user", 400, "bad_request"],
    ["report body an array", "POST", "/api/reports", [conversationId, "x"], "user", 400, "bad_request"],
    ["report without conversationId", "POST", "/api/reports", { reason: "x" }, "user", 400, "bad_request"],
    ["report without reason", "POST", "/api/reports", { conversationId }, "user", 400, "bad_request"],
    ["report with a blank reason", "POST", "/api/reports", { conversationId, reason: "   " }, "user", 400, "bad_request"],
    ["report with a numeric reason", "POST", "/api/reports", { conversationId, reason: 42 }, "user", 400, "bad_request"],
    ["report with a numeric messageId", "POST", "/api/reports", { conversationId, reason: "x", messageId: 7 }, "user", 400, "bad_request"],
    ["report with a 501-character reason", "POST", "/api/reports", { conversationId, reason: "长".repeat(501) }, "user", 400, "bad_request"],
    ["report with an overlong conversationId", "POST", "/api/reports", { conversationId: "c".repeat(65), reason: "x" }, "user", 400, "bad_request"],
    ["report on an unknown conversation", "POST", "/api/reports", { conversationId: "nope", reason: "x" }, "user", 404, "not_found"],
    ["report by a stranger", "POST", "/api/reports", { conversationId, reason: "x" }, "stranger", 404, "not_found"],
    ["report body over 16 KiB", "POST", "/api/reports", { conversationId, reason: "x".repeat(17 * 1024) }, "user", 413, "payload_too_large"],
    ["block without a session", "POST", "/api/blocks", { conversationId }, "none", 401, "unauthorized"],
    ["block without conversationId", "POST", "/api/blocks", {}, "user", 400, "bad_request"],
    ["block with a numeric conversationId", "POST", "/api/blocks", { conversationId: 7 }, "user", 400, "bad_request"],
    ["block on an unknown conversation", "POST", "/api/blocks", { conversationId: "nope" }, "user", 404, "not_found"],
    ["block by a stranger", "POST", "/api/blocks", { conversationId }, "stranger", 404, "not_found"],
    ["GET on reports", "GET", "/api/reports", undefined, "user", 404, "not_found"],
    ["erase without a session", "DELETE", "/api/me", undefined, "none", 401, "unauthorized"],
  ];

  it.each(cases)("%s → %s %s %s → %i %s", async (_name, method, path, body, auth, status, code) => {
    const token = { user: alice.token, stranger: stranger.token, admin: ADMIN_TOKEN, none: undefined }[auth];
    const init: Parameters<typeof api>[1] = { method, token };
    if (body && typeof body === "object" && "raw" in body) {
      init.body = (body as { raw: string }).raw;
      init.headers = { "Content-Type": "application/json" };
    } else if (body !== undefined) {
      init.json = body;
    }
    const res = await api(path, init);
    expect(res.status).toBe(status);
    const payload = await res.json<any>();
    expect(payload).toEqual({ error: { code, message: expect.any(String) } });
    expect(JSON.stringify(payload)).not.toMatch(/at .*\.ts|stack/i);
  });

  it("left everything as it was: history intact, no report, no block; a good report still works", async () => {
    const history = await api(`/api/conversations/${conversationId}/messages`, { token: bob.token });
    expect(history.status).toBe(200);
    const { messages } = await history.json<MessagesResponse>();
    expect(messages.map((m) => m.id)).toEqual(seeded.map((m) => m.id));
    expect(await db(env.DB).select().from(reports).where(eq(reports.conversationId, conversationId)).all()).toEqual([]);
    expect(await blockedPartnerIds(env.DB, alice.user.id)).toEqual([]);
    expect((await api("/api/me", { token: alice.token })).status).toBe(200);

    const good = await api("/api/reports", { method: "POST", token: alice.token, json: { conversationId, reason: "spam" } });
    expect(good.status).toBe(204);
    expect(await blockedPartnerIds(env.DB, alice.user.id)).toEqual([bob.user.id]);
  });
});
