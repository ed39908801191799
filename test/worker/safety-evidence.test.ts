// What the other person received is theirs to report (issue 18): after the abuser erases
// themselves, after a recall, and however many messages came after the one they point at.
import { env, runInDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../../worker/db/client";
import { RECALL_EVIDENCE_MS } from "../../worker/db/recalled";
import { findUser } from "../../worker/db/users";
import { recalledMessages, reports } from "../../worker/db/schema";
import { eraseUser } from "../../worker/erase-user";
import type { AdminReport, AdminReportsResponse, MessagesResponse, ReportSnapshotMessage } from "../../worker/protocol";
import { runRetention } from "../../worker/retention";
import type { Room } from "../../worker/room/room";
import type { RoomStore } from "../../worker/room/store";
import { pairWithConversation, seedMessages } from "./safety-helpers";
import { adminApi, api, blockedPartnerIds, d1Messages, devLogin, enter, pair, sendAndAck } from "./helpers";

async function reportOn(conversationId: string): Promise<AdminReport> {
  let cursor: string | null = null;
  do {
    const page: AdminReportsResponse = await (await adminApi(`/api/admin/reports?limit=100${cursor ? `&cursor=${cursor}` : ""}`)).json();
    const found = page.reports.find((r) => r.conversationId === conversationId);
    if (found) return found;
    cursor = page.nextCursor;
  } while (cursor);
  throw new Error("no report on this conversation");
}

/** Waits until D1 has `n` messages of the room (the room copies within about a second). */
async function untilCopied(roomId: string, token: string, n: number): Promise<void> {
  while ((await d1Messages(roomId, token)).length < n) await new Promise((r) => setTimeout(r, 50));
}

describe("the abuser erases themselves before the victim reports", () => {
  it("leaves the victim the conversation to read, report with a full snapshot and block; both follow the abuser back", async () => {
    const p = await pair();
    const abuser = await enter(p.roomPath, p.alice.token);
    const victim = await enter(p.roomPath, p.bob.token);
    const abuse = await sendAndAck(abuser.ws, "abuse the victim must be able to show");
    for (let i = 0; i < 3; i++) await sendAndAck(abuser.ws, `more ${i}`);

    expect((await api("/api/me", { method: "DELETE", token: p.alice.token })).status).toBe(200);
    await victim.ws.next("partner_left");
    await victim.ws.waitClosed();

    // The victim still reads it, with the partner shown as erased.
    const history = await (await api(`/api/conversations/${p.roomId}/messages`, { token: p.bob.token })).json<MessagesResponse>();
    expect(history.partnerErased).toBe(true);
    expect(history.messages.map((m) => m.text)).toEqual(["abuse the victim must be able to show", "more 0", "more 1", "more 2"]);

    // Reports it (not 404) with the whole snapshot and the pointed message highlighted, and blocks.
    const res = await api("/api/reports", {
      method: "POST",
      token: p.bob.token,
      json: { conversationId: p.roomId, category: "harassment", messageId: abuse.id },
    });
    expect(res.status).toBe(204);
    const report = await reportOn(p.roomId);
    expect(report).toMatchObject({ reporterId: p.bob.user.id, reportedId: p.alice.user.id, category: "harassment" });
    expect(report.messages).toHaveLength(4);
    expect(report.messages[0]).toMatchObject({ id: abuse.id, from: "reported", highlighted: true });
    expect((await api("/api/blocks", { method: "POST", token: p.bob.token, json: { conversationId: p.roomId } })).status).toBe(204);

    // The abuser comes back: a new account that carries the block and the report.
    const back = await devLogin(p.alice.name);
    expect(back.user.id).not.toBe(p.alice.user.id);
    expect(await blockedPartnerIds(env.DB, p.bob.user.id)).toEqual([back.user.id]);
    expect((await reportOn(p.roomId)).reportedId).toBe(back.user.id);
  });

  it("files a report made after the abuser came back against their new account", async () => {
    const p = await pair();
    const abuser = await enter(p.roomPath, p.alice.token);
    await sendAndAck(abuser.ws, "abuse");
    expect((await api("/api/me", { method: "DELETE", token: p.alice.token })).status).toBe(200);
    const back = await devLogin(p.alice.name);

    const res = await api("/api/reports", { method: "POST", token: p.bob.token, json: { conversationId: p.roomId, category: "fraud" } });
    expect(res.status).toBe(204);
    const report = await reportOn(p.roomId);
    expect(report.reportedId).toBe(back.user.id);
    expect(report.messages.map((m) => m.text)).toEqual(["abuse"]);
    expect(await blockedPartnerIds(env.DB, back.user.id)).toEqual([p.bob.user.id]);
    // The new account sees nothing of the old conversation.
    expect((await api(`/api/conversations/${p.roomId}/messages`, { token: back.token })).status).toBe(404);
  });

  it("lets the victim delete it: then it is gone for good", async () => {
    const p = await pair();
    const abuser = await enter(p.roomPath, p.alice.token);
    await sendAndAck(abuser.ws, "abuse");
    expect((await api("/api/me", { method: "DELETE", token: p.alice.token })).status).toBe(200);
    expect(await d1Messages(p.roomId, p.bob.token)).toHaveLength(1);
    const del = await api(`/api/conversations/${p.roomId}`, { method: "DELETE", token: p.bob.token });
    expect(await del.json()).toEqual({ deleted: 1 });
    const left = await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE conversation_id = ?").bind(p.roomId).first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});

describe("retention of what an erasure left", () => {
  it("removes the stand-in and the partner's copy with the erasure's own retention", async () => {
    const p = await pair();
    const abuser = await enter(p.roomPath, p.alice.token);
    await sendAndAck(abuser.ws, "old words");
    expect((await api("/api/me", { method: "DELETE", token: p.alice.token })).status).toBe(200);
    // RETENTION_DAYS later (the messages themselves are older still).
    await env.DB.prepare("UPDATE erased_users SET erased_at = 1 WHERE user_id = ?").bind(p.alice.user.id).run();
    await env.DB.prepare("UPDATE messages SET created_at = 1 WHERE conversation_id = ?").bind(p.roomId).run();
    await runRetention(env);
    expect(await env.DB.prepare("SELECT id FROM users WHERE id = ?").bind(p.alice.user.id).all()).toMatchObject({ results: [] });
    expect(await env.DB.prepare("SELECT id FROM conversations WHERE id = ?").bind(p.roomId).all()).toMatchObject({ results: [] });
    expect((await api(`/api/conversations/${p.roomId}/messages`, { token: p.bob.token })).status).toBe(404);
  });
});

describe("a ban that lands during the erasure", () => {
  it("survives it: the erasure reads the ban inside its own write, not from the row the request started with", async () => {
    const user = await devLogin();
    const asRequestSawIt = (await findUser(env.DB, user.user.id))!;
    expect(asRequestSawIt.bannedAt).toBeNull();
    // The admin's ban lands after the request read the row, before the erasure writes.
    expect((await adminApi(`/api/admin/users/${user.user.id}/ban`, { method: "POST" })).status).toBe(200);
    await eraseUser(env, asRequestSawIt);

    const again = await api("/api/login", { method: "POST", json: { platform: "dev", code: user.name } });
    expect(again.status).toBe(403);
    expect((await again.json<any>()).error.code).toBe("banned");
  });

  it("and so does a matching suspension", async () => {
    const user = await devLogin();
    const asRequestSawIt = (await findUser(env.DB, user.user.id))!;
    expect((await adminApi(`/api/admin/users/${user.user.id}/suspend-matching`, { method: "POST" })).status).toBe(200);
    await eraseUser(env, asRequestSawIt);
    const back = await devLogin(user.name);
    expect((await (await api("/api/me", { token: back.token })).json<any>()).matchingSuspended).toBe(true);
  });
});

describe("a recall within the report window", () => {
  it("hides the text from both views and REST, but a report carries it, marked recalled", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    const sent = await sendAndAck(a.ws, "said then recalled");
    await b.ws.next("message");
    a.ws.send({ type: "recall", id: sent.id });
    expect(await b.ws.next("recalled")).toMatchObject({ id: sent.id });
    await untilCopied(p.roomId, p.bob.token, 1);
    for (const token of [p.alice.token, p.bob.token]) {
      expect((await d1Messages(p.roomId, token))[0]).toMatchObject({ id: sent.id, text: "", kind: "recalled" });
    }

    b.ws.send({ type: "report", category: "sexual", messageId: sent.id });
    await b.ws.next("reported");
    const report = await reportOn(p.roomId);
    expect(report.messages).toEqual([
      expect.objectContaining({ id: sent.id, text: "said then recalled", recalled: true, highlighted: true, from: "reported" }),
    ]);
  });

  it("keeps the recalled text no longer than the window: after it a report shows nothing, and retention deletes it", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const sent = await sendAndAck(a.ws, "recalled long ago");
    a.ws.send({ type: "recall", id: sent.id });
    await a.ws.next("recalled");
    const orm = db(env.DB);
    expect(await orm.select().from(recalledMessages).where(eq(recalledMessages.messageId, sent.id)).all()).toHaveLength(1);
    await orm
      .update(recalledMessages)
      .set({ recalledAt: Date.now() - RECALL_EVIDENCE_MS - 1000 })
      .where(eq(recalledMessages.messageId, sent.id));
    await untilCopied(p.roomId, p.bob.token, 1);

    expect((await api("/api/reports", { method: "POST", token: p.bob.token, json: { conversationId: p.roomId, category: "other" } })).status).toBe(204);
    expect((await reportOn(p.roomId)).messages).toEqual([expect.objectContaining({ id: sent.id, text: "", recalled: true })]);
    await runRetention(env);
    expect(await orm.select().from(recalledMessages).where(eq(recalledMessages.messageId, sent.id)).all()).toEqual([]);
  });
});

describe("the message the reporter points at", () => {
  const highlighted = (messages: ReportSnapshotMessage[]) => messages.filter((m) => m.highlighted).map((m) => m.text);

  it("is in the snapshot, highlighted, with its neighbours, however many messages came after (room report)", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    await sendAndAck(a.ws, "before");
    const abuse = await sendAndAck(a.ws, "the abuse");
    // 25 fillers straight into the room's storage (faster than the send rate allows).
    await runInDurableObject(p.stub, (room: Room) => {
      const store = (room as unknown as { store: RoomStore }).store;
      for (let i = 0; i < 25; i++) {
        store.append({ id: `filler-${crypto.randomUUID()}`, sender: p.alice.user.id, clientId: crypto.randomUUID(), body: `filler ${i}`, at: Date.now(), flag: null });
      }
    });
    b.ws.send({ type: "report", category: "harassment", messageId: abuse.id });
    await b.ws.next("reported");
    const report = await reportOn(p.roomId);
    expect(highlighted(report.messages)).toEqual(["the abuse"]);
    expect(report.messages.slice(0, 3).map((m) => m.text)).toEqual(["before", "the abuse", "filler 0"]);
    expect(report.messages.at(-1)?.text).toBe("filler 24");
  });

  it("is in the snapshot from D1 too (REST report)", async () => {
    const { alice, bob, conversationId } = await pairWithConversation();
    // In D1 as the room's copy leaves it: the abuse is message 2 of 27.
    const rows = await seedMessages(conversationId, [alice.user.id, alice.user.id], 27);
    const abuse = rows[1];
    const res = await api("/api/reports", { method: "POST", token: bob.token, json: { conversationId, category: "harassment", messageId: abuse.id } });
    expect(res.status).toBe(204);
    const [row] = await db(env.DB).select().from(reports).where(eq(reports.conversationId, conversationId)).all();
    const snapshot = JSON.parse(row.snapshot) as ReportSnapshotMessage[];
    expect(highlighted(snapshot)).toEqual(["message 2"]);
    // The latest 20 (messages 8..27) and the pointed one's neighbours (1..7).
    expect(snapshot.map((m) => m.seq)).toEqual(Array.from({ length: 27 }, (_, i) => i + 1));
  });
});
