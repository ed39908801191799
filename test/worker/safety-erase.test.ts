import { historyDbFor, historyDbs } from "../../worker/history/shards";
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { blockedPartnerIds } from "./helpers";
import { db } from "../../worker/db/client";
import { getOrCreateConversation } from "./helpers";
import { deleteExpiredErasures } from "../../worker/db/erasure";
import { conversations, erasedUsers, messages, reports, users } from "../../worker/db/schema";
import { CLOSE, type AdminReportsResponse, type ConversationsResponse, type MessagesResponse } from "../../worker/protocol";
import { adminApi, api, connect, devLogin, mustConnect } from "./helpers";
import { pairWithConversation, seedMessages } from "./safety-helpers";

describe("DELETE /api/me", () => {
  it("erases the user's identity and the blocks and reports they made, and leaves each partner their copy", async () => {
    const { alice, bob, conversationId } = await pairWithConversation();
    const carol = await devLogin();
    const other = await getOrCreateConversation(env.DB, alice.user.id, carol.user.id, Date.now());
    await seedMessages(other.id, [carol.user.id, alice.user.id], 3);
    // As the room's copy would have set it.
    await db(env.DB).update(conversations).set({ lastMessageAt: Date.now() }).where(eq(conversations.id, other.id));
    // Alice reports and so blocks carol: her own report and block go with her.
    expect((await api("/api/reports", { method: "POST", token: alice.token, json: { conversationId: other.id, reason: "spam" } })).status).toBe(204);

    // Alice and Bob are in the room, and the messages live in the room's own storage (D1 may not have them yet).
    const aliceSocket = await mustConnect(`/api/rooms/${conversationId}`, alice.token);
    const bobSocket = await mustConnect(`/api/rooms/${conversationId}`, bob.token);
    await aliceSocket.next("history");
    await bobSocket.next("history");
    for (const [socket, text] of [[aliceSocket, "one"], [bobSocket, "two"], [aliceSocket, "three"], [aliceSocket, "live one"]] as const) {
      socket.send({ type: "send", clientId: crypto.randomUUID(), text });
      await socket.next("ack");
    }

    const res = await api("/api/me", { method: "DELETE", token: alice.token });
    expect(res.status).toBe(200);
    const { deleted } = await res.json<{ deleted: number }>();
    expect(deleted).toBe(7);

    expect((await aliceSocket.waitClosed()).code).toBe(CLOSE.ended);
    expect(await bobSocket.next("partner_left")).toEqual({ type: "partner_left" });
    bobSocket.close();

    // Her token no longer names anyone; her report and her block are gone.
    expect((await api("/api/me", { token: alice.token })).status).toBe(401);
    const orm = db(env.DB);
    expect(await orm.select().from(reports).where(eq(reports.reporterId, alice.user.id)).all()).toEqual([]);
    expect(await blockedPartnerIds(env.DB, carol.user.id)).toEqual([]);
    // What is left of her row is a stand-in with no identity: no hash, no marks.
    const [standIn] = await orm.select().from(users).where(eq(users.id, alice.user.id)).all();
    expect(standIn).toMatchObject({ identityHash: `erased:${alice.user.id}`, erasedAt: expect.any(Number), bannedAt: null, adultConfirmedAt: null });

    // Her partners keep what they received (the room's last message too), shown as from an erased user.
    let kept = 0;
    for (const id of [conversationId, other.id]) {
      kept += (await db(historyDbFor(env, id)).select({ id: messages.id }).from(messages).where(eq(messages.conversationId, id)).all()).length;
    }
    expect(kept).toBe(7);
    for (const [partner, id, count] of [[bob, conversationId, 4], [carol, other.id, 3]] as const) {
      const list = await (await api("/api/conversations", { token: partner.token })).json<ConversationsResponse>();
      expect(list.conversations.find((c) => c.id === id)).toMatchObject({ partnerErased: true });
      const history = await (await api(`/api/conversations/${id}/messages`, { token: partner.token })).json<MessagesResponse>();
      expect(history.partnerErased).toBe(true);
      expect(history.messages).toHaveLength(count);
    }
    expect(((await (await api(`/api/conversations/${conversationId}/messages`, { token: bob.token })).json()) as MessagesResponse).messages.at(-1)).toMatchObject({ text: "live one", from: "partner" });
    // The room itself is over.
    const refused = await connect(`/api/rooms/${conversationId}`, bob.token);
    expect(refused).toBeInstanceOf(Response);
    expect((refused as Response).status).toBe(410);

    // Logging in again with the same platform account: a new, empty account; old tokens stay dead.
    const again = await devLogin(alice.name);
    expect(again.user.id).not.toBe(alice.user.id);
    expect((await api("/api/me", { token: alice.token })).status).toBe(401);
    const mine = await (await api("/api/conversations", { token: again.token })).json<ConversationsResponse>();
    expect(mine.conversations).toEqual([]);
    // A partner's copy stays theirs, and what she left of it stays hidden from her new account.
    expect((await api(`/api/conversations/${conversationId}/messages`, { token: again.token })).status).toBe(404);
    // Kept (without marks) until its retention, so a partner's later report still finds her.
    expect(await orm.select().from(erasedUsers).where(eq(erasedUsers.userId, alice.user.id)).all()).toHaveLength(1);
  });

  it("keeps what others hold against the user: reports about them and blocks on them hold when they come back", async () => {
    const { alice: abuser, bob: victim, conversationId } = await pairWithConversation();
    await seedMessages(conversationId, [abuser.user.id, victim.user.id], 4);
    expect((await api("/api/reports", { method: "POST", token: victim.token, json: { conversationId, reason: "abuse" } })).status).toBe(204);

    expect((await api("/api/me", { method: "DELETE", token: abuser.token })).status).toBe(200);

    // The report, with its snapshot of what the abuser said, is still there for the admins.
    const orm = db(env.DB);
    const [report] = await orm.select().from(reports).where(eq(reports.reportedId, abuser.user.id)).all();
    expect(report).toMatchObject({ reporterId: victim.user.id, conversationId, reason: "abuse" });
    expect(JSON.parse(report.snapshot)).toHaveLength(4);
    const listed = await (await adminApi("/api/admin/reports?limit=100")).json<AdminReportsResponse>();
    expect(listed.reports.some((r) => r.id === report.id)).toBe(true);
    // Pseudonymous: what is kept of the abuser is the id and the keyed identity hash, no account.
    const [erased] = await orm.select().from(erasedUsers).where(eq(erasedUsers.userId, abuser.user.id)).all();
    expect(erased).toMatchObject({ userId: abuser.user.id, erasedAt: expect.any(Number) });
    expect(Object.keys(erased).sort()).toEqual(["bannedAt", "erasedAt", "identityHash", "matchingSuspendedAt", "userId"]);
    expect(erased.bannedAt).toBeNull();

    // The same person logs in again: a new id, but the victim's block and the report follow them,
    // so the lobby never pairs them and the admins see the report against the live account.
    const back = await devLogin(abuser.name);
    expect(back.user.id).not.toBe(abuser.user.id);
    expect(await blockedPartnerIds(env.DB, back.user.id)).toEqual([victim.user.id]);
    expect(await blockedPartnerIds(env.DB, victim.user.id)).toEqual([back.user.id]);
    const [moved] = await orm.select().from(reports).where(eq(reports.id, report.id)).all();
    expect(moved.reportedId).toBe(back.user.id);
  });

  it("lets an admin ban a reported user who erased themselves: they come back banned, and the ban outlives retention", async () => {
    const { alice: abuser, bob: victim, conversationId } = await pairWithConversation();
    expect((await api("/api/reports", { method: "POST", token: victim.token, json: { conversationId, reason: "abuse" } })).status).toBe(204);
    expect((await api("/api/me", { method: "DELETE", token: abuser.token })).status).toBe(200);

    // The admin reads the report after the erasure and bans the reported id.
    const ban = await adminApi(`/api/admin/users/${abuser.user.id}/ban`, { method: "POST" });
    expect(ban.status).toBe(200);
    expect(await ban.json()).toEqual({ id: abuser.user.id, bannedAt: expect.any(Number) });
    const audit = await env.DB.prepare("SELECT count FROM admin_audit WHERE action = 'ban_user' AND target = ?").bind(abuser.user.id).all();
    expect(audit.results).toEqual([{ count: 1 }]);

    // Retention does not forget a banned erasure (that would lift the ban).
    const orm = db(env.DB);
    const [{ identityHash: erasedHash }] = await orm.select().from(erasedUsers).where(eq(erasedUsers.userId, abuser.user.id)).all();
    await orm.update(erasedUsers).set({ erasedAt: 1 }).where(eq(erasedUsers.userId, abuser.user.id));
    await deleteExpiredErasures(historyDbs(env), 2, 100);
    expect(await orm.select().from(erasedUsers).where(eq(erasedUsers.userId, abuser.user.id)).all()).toHaveLength(1);

    const back = await api("/api/login", { method: "POST", json: { platform: "dev", code: abuser.name } });
    expect(back.status).toBe(403);
    expect((await back.json<any>()).error.code).toBe("banned");
    const [row] = await orm.select().from(users).where(eq(users.identityHash, erasedHash)).all();
    expect(row.bannedAt).toEqual(expect.any(Number));
  });

  it("keeps a ban and a matching suspension through an erasure: an admin erasing a banned user, a suspended user erasing themselves", async () => {
    const banned = await devLogin();
    expect((await adminApi(`/api/admin/users/${banned.user.id}/ban`, { method: "POST" })).status).toBe(200);
    expect((await adminApi(`/api/admin/console/users/${banned.user.id}`, { method: "DELETE" })).status).toBe(200);
    const again = await api("/api/login", { method: "POST", json: { platform: "dev", code: banned.name } });
    expect(again.status).toBe(403);
    expect((await again.json<any>()).error.code).toBe("banned");

    const suspended = await devLogin();
    expect((await adminApi(`/api/admin/users/${suspended.user.id}/suspend-matching`, { method: "POST" })).status).toBe(200);
    expect((await api("/api/me", { method: "DELETE", token: suspended.token })).status).toBe(200);
    // Retention does not forget a suspended erasure either (that would lift the suspension).
    const orm = db(env.DB);
    await orm.update(erasedUsers).set({ erasedAt: 1 }).where(eq(erasedUsers.userId, suspended.user.id));
    await deleteExpiredErasures(historyDbs(env), 2, 100);
    const back = await devLogin(suspended.name);
    expect(back.user.id).not.toBe(suspended.user.id);
    const me = await (await api("/api/me", { token: back.token })).json<any>();
    expect(me.matchingSuspended).toBe(true);
    const lobby = await connect("/api/lobby", back.token);
    expect(lobby).toBeInstanceOf(Response);
    expect(((await (lobby as Response).json()) as any).error.code).toBe("matching_suspended");
  });

  it("forgets an erasure, and the blocks on it, RETENTION_DAYS later; a later login carries nothing over", async () => {
    const { alice, bob, conversationId } = await pairWithConversation();
    expect((await api("/api/reports", { method: "POST", token: bob.token, json: { conversationId, reason: "rude" } })).status).toBe(204);
    expect((await api("/api/me", { method: "DELETE", token: alice.token })).status).toBe(200);
    const orm = db(env.DB);
    await orm.update(erasedUsers).set({ erasedAt: 1 }).where(eq(erasedUsers.userId, alice.user.id));

    expect(await deleteExpiredErasures(historyDbs(env), 2, 100)).toBeGreaterThanOrEqual(1);
    expect(await orm.select().from(erasedUsers).where(eq(erasedUsers.userId, alice.user.id)).all()).toEqual([]);
    expect(await blockedPartnerIds(env.DB, bob.user.id)).toEqual([]);
    const later = await devLogin(alice.name);
    expect(await blockedPartnerIds(env.DB, later.user.id)).toEqual([]);
  });

  it("works for a user with no conversations", async () => {
    const loner = await devLogin();
    const res = await api("/api/me", { method: "DELETE", token: loner.token });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: 0 });
    expect((await api("/api/me", { token: loner.token })).status).toBe(401);
  });

  it("needs a session (401), and a banned user cannot erase their way out of a ban (403)", async () => {
    expect((await api("/api/me", { method: "DELETE" })).status).toBe(401);
    const banned = await devLogin();
    await db(env.DB).update(users).set({ bannedAt: Date.now() }).where(eq(users.id, banned.user.id));
    const res = await api("/api/me", { method: "DELETE", token: banned.token });
    expect(res.status).toBe(403);
    expect((await res.json<any>()).error.code).toBe("banned");
    // Still the same banned account when they log in again.
    const login = await api("/api/login", { method: "POST", json: { platform: "dev", code: banned.name } });
    expect(login.status).toBe(403);
    expect((await login.json<any>()).error.code).toBe("banned");
  });
});
