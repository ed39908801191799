import { env } from "cloudflare:test";
import { eq, or } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { blockedPartnerIds } from "../../worker/db/blocks";
import { db } from "../../worker/db/client";
import { getOrCreateConversation } from "../../worker/db/conversations";
import { messages, reports, users } from "../../worker/db/schema";
import { CLOSE, type ConversationsResponse } from "../../worker/protocol";
import { api, connect, devLogin, mustConnect } from "./helpers";
import { pairWithConversation, seedMessages } from "./safety-helpers";

describe("DELETE /api/me", () => {
  it("erases the user, every conversation they are in (room and D1), their blocks and reports", async () => {
    const { alice, bob, conversationId } = await pairWithConversation();
    const carol = await devLogin();
    const other = await getOrCreateConversation(env.DB, alice.user.id, carol.user.id, Date.now());
    await seedMessages(conversationId, [alice.user.id, bob.user.id], 4);
    await seedMessages(other.id, [carol.user.id, alice.user.id], 3);
    expect((await api("/api/reports", { method: "POST", token: bob.token, json: { conversationId, reason: "rude" } })).status).toBe(204);

    // Alice and Bob are in the room, and a message lives in the room's own storage.
    const aliceSocket = await mustConnect(`/api/rooms/${conversationId}`, alice.token);
    const bobSocket = await mustConnect(`/api/rooms/${conversationId}`, bob.token);
    await aliceSocket.next("history");
    await bobSocket.next("history");
    aliceSocket.send({ type: "send", clientId: crypto.randomUUID(), text: "live one" });
    await aliceSocket.next("ack");

    const res = await api("/api/me", { method: "DELETE", token: alice.token });
    expect(res.status).toBe(200);
    const { deleted } = await res.json<{ deleted: number }>();
    expect(deleted).toBeGreaterThanOrEqual(8);

    expect((await aliceSocket.waitClosed()).code).toBe(CLOSE.ended);
    expect(await bobSocket.next("partner_left")).toEqual({ type: "partner_left" });
    bobSocket.close();

    // Her token no longer names anyone; nothing of hers is left in D1.
    expect((await api("/api/me", { token: alice.token })).status).toBe(401);
    const orm = db(env.DB);
    const left = await orm
      .select({ id: messages.id })
      .from(messages)
      .where(or(eq(messages.conversationId, conversationId), eq(messages.conversationId, other.id)))
      .all();
    expect(left).toEqual([]);
    expect(await orm.select().from(reports).where(eq(reports.conversationId, conversationId)).all()).toEqual([]);
    expect(await blockedPartnerIds(env.DB, bob.user.id)).toEqual([]);

    // Her partners see the conversations gone, and the room is closed to them.
    for (const partner of [bob, carol]) {
      const list = await (await api("/api/conversations", { token: partner.token })).json<ConversationsResponse>();
      expect(list.conversations.map((c) => c.id)).not.toContain(conversationId);
      expect(list.conversations.map((c) => c.id)).not.toContain(other.id);
    }
    const refused = await connect(`/api/rooms/${conversationId}`, bob.token);
    expect(refused).toBeInstanceOf(Response);
    expect((refused as Response).status).toBe(404);

    // Logging in again with the same platform account starts a new, empty user.
    const again = await devLogin(alice.name);
    expect(again.user.id).not.toBe(alice.user.id);
    const mine = await (await api("/api/conversations", { token: again.token })).json<ConversationsResponse>();
    expect(mine.conversations).toEqual([]);
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
  });
});
