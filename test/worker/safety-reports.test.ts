import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { blockedPartnerIds } from "./helpers";
import { getOrCreateConversation } from "./helpers";
import { AppError } from "../../worker/errors";
import { REPORT_DAILY_CAP } from "../../worker/limits/rules";
import { createReport } from "../../worker/report";
import type { AdminReport, AdminReportsResponse } from "../../worker/protocol";
import { adminApi, api, devLogin, enter, pair, sendAndAck } from "./helpers";
import { pairWithConversation, seedMessages } from "./safety-helpers";

async function reportsAbout(conversationId: string): Promise<AdminReport[]> {
  const found: AdminReport[] = [];
  let cursor: string | null = null;
  do {
    const res = await adminApi(`/api/admin/reports?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.status).toBe(200);
    const page: AdminReportsResponse = await res.json();
    found.push(...page.reports.filter((r) => r.conversationId === conversationId));
    cursor = page.nextCursor;
  } while (cursor);
  return found;
}

/** The report's background triage, started and left to finish (these tests are about the report itself). */
const later = (work: Promise<unknown>) => void work;

describe("POST /api/reports", () => {
  it("stores the report with the last 20 messages, oldest first, and blocks the pair both ways", async () => {
    const { alice, bob, conversationId } = await pairWithConversation();
    await seedMessages(conversationId, [alice.user.id, bob.user.id], 25);

    const res = await api("/api/reports", { method: "POST", token: alice.token, json: { conversationId, reason: "  骚扰  " } });
    expect(res.status).toBe(204);

    const [report, ...others] = await reportsAbout(conversationId);
    expect(others).toHaveLength(0);
    expect(report).toMatchObject({ reporterId: alice.user.id, reportedId: bob.user.id, reason: "骚扰" });
    expect(report.messages.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 6));
    // Seq 6 was sent by bob (odd index), seq 7 by alice.
    expect(report.messages[0]).toMatchObject({ seq: 6, from: "reported", text: "message 6" });
    expect(report.messages[1]).toMatchObject({ seq: 7, from: "reporter", text: "message 7" });

    expect(await blockedPartnerIds(env.DB, alice.user.id)).toEqual([bob.user.id]);
    expect(await blockedPartnerIds(env.DB, bob.user.id)).toEqual([alice.user.id]);
  });

  it("marks the message the reporter pointed at, only when it is the partner's", async () => {
    const { alice, bob, conversationId } = await pairWithConversation();
    const rows = await seedMessages(conversationId, [alice.user.id, bob.user.id], 6);
    const bobs = rows.find((m) => m.senderId === bob.user.id && m.seq === 4)!;
    const json = { conversationId, reason: "骚扰", messageId: bobs.id };
    expect((await api("/api/reports", { method: "POST", token: alice.token, json })).status).toBe(204);
    const [report] = await reportsAbout(conversationId);
    expect(report.messages.filter((m) => m.highlighted).map((m) => m.id)).toEqual([bobs.id]);

    // Pointing at one's own message highlights nothing (the partner's words are the evidence).
    const json2 = { conversationId, reason: "骚扰", messageId: bobs.id };
    expect((await api("/api/reports", { method: "POST", token: bob.token, json: json2 })).status).toBe(204);
    const byBob = (await reportsAbout(conversationId)).find((r) => r.reporterId === bob.user.id)!;
    expect(byBob.messages.some((m) => m.highlighted)).toBe(false);
  });

  it("works for a conversation with no history yet (empty snapshot)", async () => {
    const { bob, conversationId } = await pairWithConversation();
    const res = await api("/api/reports", { method: "POST", token: bob.token, json: { conversationId, reason: "spam" } });
    expect(res.status).toBe(204);
    const [report] = await reportsAbout(conversationId);
    expect(report.messages).toEqual([]);
  });

  it("is 404 for someone outside the conversation, and stores nothing", async () => {
    const { alice, bob, conversationId } = await pairWithConversation();
    const mallory = await devLogin();
    const res = await api("/api/reports", { method: "POST", token: mallory.token, json: { conversationId, reason: "x" } });
    expect(res.status).toBe(404);
    expect((await res.json<any>()).error.code).toBe("not_found");
    expect(await reportsAbout(conversationId)).toEqual([]);
    expect(await blockedPartnerIds(env.DB, mallory.user.id)).toEqual([]);
    expect(await blockedPartnerIds(env.DB, alice.user.id)).toEqual([]);
    expect(await blockedPartnerIds(env.DB, bob.user.id)).toEqual([]);
  });
});

describe("createReport (the room's {type:\"report\"} path)", () => {
  it("snapshots the room's own freshest messages: the last 20 by seq, whatever order they come in", async () => {
    const { alice, bob, conversationId } = await pairWithConversation();
    // D1 lags the room: it has only 3 of them.
    await seedMessages(conversationId, [alice.user.id, bob.user.id], 3);
    const recent = Array.from({ length: 30 }, (_, i) => ({
      id: `m${i + 1}`,
      seq: i + 1,
      senderId: i % 2 ? alice.user.id : bob.user.id,
      body: `fresh ${i + 1}`,
      createdAt: 1_000 + i,
    })).reverse();
    const { reportedId } = await createReport(env, { later, reporterId: bob.user.id, conversationId, reason: "abuse", recent });
    expect(reportedId).toBe(alice.user.id);
    const [report] = await reportsAbout(conversationId);
    expect(report.messages.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 11));
    expect(report.messages[0]).toEqual({ id: "m11", seq: 11, from: "reporter", text: "fresh 11", at: 1_010 });
    expect(await blockedPartnerIds(env.DB, alice.user.id)).toEqual([bob.user.id]);
  });

  it("refuses a blank or overlong reason with bad_request, and a stranger with not_found", async () => {
    const { alice, conversationId } = await pairWithConversation();
    const stranger = await devLogin();
    const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (e: AppError) => `${e.status} ${e.code}`);
    expect(await codeOf(createReport(env, { later, reporterId: alice.user.id, conversationId, reason: "   " }))).toBe("400 bad_request");
    expect(await codeOf(createReport(env, { later, reporterId: alice.user.id, conversationId, reason: "字".repeat(501) }))).toBe(
      "400 bad_request",
    );
    expect(await codeOf(createReport(env, { later, reporterId: stranger.user.id, conversationId, reason: "x" }))).toBe("404 not_found");
    expect(await reportsAbout(conversationId)).toEqual([]);
  });
});

describe("report limits (one per conversation, a daily cap per reporter)", () => {
  it("refuses a repeat on the same conversation with 409 already_reported, keeping the first snapshot", async () => {
    const { alice, bob, conversationId } = await pairWithConversation();
    await seedMessages(conversationId, [alice.user.id, bob.user.id], 3);
    const file = (token: string, reason: string) => api("/api/reports", { method: "POST", token, json: { conversationId, reason } });
    expect((await file(alice.token, "first")).status).toBe(204);
    const again = await file(alice.token, "again");
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: { code: "already_reported", message: expect.any(String) } });

    const [report, ...others] = await reportsAbout(conversationId);
    expect(others).toHaveLength(0);
    expect(report).toMatchObject({ reason: "first", reporterId: alice.user.id });
    expect(report.messages).toHaveLength(3);
    // The partner's own report is a different one, and is taken.
    expect((await file(bob.token, "counter")).status).toBe(204);
    expect(await reportsAbout(conversationId)).toHaveLength(2);
  });

  it(`caps a reporter at ${REPORT_DAILY_CAP} reports a day (429 too_many_attempts), even when they arrive at once`, async () => {
    const reporter = await devLogin();
    const partners = await Promise.all(Array.from({ length: REPORT_DAILY_CAP + 3 }, () => devLogin()));
    const conversations = await Promise.all(
      partners.map((p) => getOrCreateConversation(env.DB, reporter.user.id, p.user.id, Date.now())),
    );
    const statuses = await Promise.all(
      conversations.map((c) =>
        api("/api/reports", { method: "POST", token: reporter.token, json: { conversationId: c.id, reason: "spam" } }).then(
          async (res) => (res.status === 204 ? "204" : `${res.status} ${(await res.json<any>()).error.code}`),
        ),
      ),
    );
    expect(statuses.filter((s) => s === "204")).toHaveLength(REPORT_DAILY_CAP);
    expect(statuses.filter((s) => s !== "204")).toEqual(["429 too_many_attempts", "429 too_many_attempts", "429 too_many_attempts"]);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM reports WHERE reporter_id = ?").bind(reporter.user.id).first<{ n: number }>();
    expect(stored?.n).toBe(REPORT_DAILY_CAP);

    // Someone else is not affected by this reporter's cap.
    const other = await devLogin();
    const theirs = await getOrCreateConversation(env.DB, other.user.id, partners[0].user.id, Date.now());
    const res = await api("/api/reports", { method: "POST", token: other.token, json: { conversationId: theirs.id, reason: "spam" } });
    expect(res.status).toBe(204);
  });

  it("counts only the last 24 hours toward the cap", async () => {
    const reporter = await devLogin();
    const partners = await Promise.all(Array.from({ length: REPORT_DAILY_CAP + 1 }, () => devLogin()));
    const conversations = await Promise.all(
      partners.map((p) => getOrCreateConversation(env.DB, reporter.user.id, p.user.id, Date.now())),
    );
    for (const c of conversations.slice(0, REPORT_DAILY_CAP)) {
      await createReport(env, { later, reporterId: reporter.user.id, conversationId: c.id, reason: "old" });
    }
    await env.DB.prepare("UPDATE reports SET created_at = created_at - 25 * 3600 * 1000 WHERE reporter_id = ?")
      .bind(reporter.user.id)
      .run();
    const last = conversations[REPORT_DAILY_CAP];
    await expect(createReport(env, { later, reporterId: reporter.user.id, conversationId: last.id, reason: "new" })).resolves.toBeTruthy();
  });

  it("the room's report frame meets the same limit: a repeat is an already_reported error and the room keeps working", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    await sendAndAck(b.ws, "rude");
    await a.ws.next("message");
    a.ws.send({ type: "report", reason: "骚扰" });
    expect(await a.ws.next("reported")).toEqual({ type: "reported" });
    a.ws.send({ type: "report", reason: "again" });
    expect(await a.ws.next("error")).toMatchObject({ type: "error", code: "already_reported" });
    expect((await sendAndAck(a.ws, "still here")).seq).toBe(2);
    expect(await reportsAbout(p.roomId)).toHaveLength(1);
    a.ws.close();
    b.ws.close();
  });
});

describe("POST /api/blocks and blockedPartnerIds", () => {
  it("blocks the partner; the veto reads both directions; repeating is harmless", async () => {
    const { alice, bob, conversationId } = await pairWithConversation();
    for (let i = 0; i < 2; i++) {
      const res = await api("/api/blocks", { method: "POST", token: bob.token, json: { conversationId } });
      expect(res.status).toBe(204);
    }
    expect(await blockedPartnerIds(env.DB, bob.user.id)).toEqual([alice.user.id]);
    expect(await blockedPartnerIds(env.DB, alice.user.id)).toEqual([bob.user.id]);
    // No report is filed by a plain block.
    expect(await reportsAbout(conversationId)).toEqual([]);
  });

  it("collects every block of a user, in either direction, each partner once", async () => {
    const hub = await devLogin();
    const partners = await Promise.all([devLogin(), devLogin(), devLogin()]);
    const ids = await Promise.all(partners.map((p) => getOrCreateConversation(env.DB, hub.user.id, p.user.id, Date.now())));
    // hub blocks p0; p1 blocks hub; p2 and hub block each other.
    const block = (token: string, conversationId: string) =>
      api("/api/blocks", { method: "POST", token, json: { conversationId } });
    expect((await block(hub.token, ids[0].id)).status).toBe(204);
    expect((await block(partners[1].token, ids[1].id)).status).toBe(204);
    expect((await block(partners[2].token, ids[2].id)).status).toBe(204);
    expect((await block(hub.token, ids[2].id)).status).toBe(204);
    expect((await blockedPartnerIds(env.DB, hub.user.id)).sort()).toEqual(partners.map((p) => p.user.id).sort());
    expect(await blockedPartnerIds(env.DB, partners[0].user.id)).toEqual([hub.user.id]);
    expect(await blockedPartnerIds(env.DB, crypto.randomUUID())).toEqual([]);
  });

  it("is 404 for someone outside the conversation", async () => {
    const { conversationId } = await pairWithConversation();
    const mallory = await devLogin();
    const res = await api("/api/blocks", { method: "POST", token: mallory.token, json: { conversationId } });
    expect(res.status).toBe(404);
    expect(await blockedPartnerIds(env.DB, mallory.user.id)).toEqual([]);
  });
});
