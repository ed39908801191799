import { describe, expect, it } from "vitest";
import type { ConversationsResponse, MessagesResponse, TopicsResponse } from "../../worker/protocol";
import { api, d1Messages, devLogin, enter, pair, sendAndAck } from "./helpers";

/** A pair that has exchanged `count` messages, copied to D1. */
async function chatted(count: number) {
  const p = await pair();
  const a = await enter(p.roomPath, p.alice.token);
  for (let i = 1; i <= count; i++) await sendAndAck(a.ws, `message ${i}`);
  a.ws.close();
  await p.stub.flush();
  return p;
}

describe("REST", () => {
  it("GET /api/me returns the caller's id, creation time and matching status", async () => {
    const user = await devLogin();
    const res = await api("/api/me", { token: user.token });
    const body = await res.json<{ id: string; createdAt: number }>();
    expect(body.id).toBe(user.user.id);
    expect(body.createdAt).toBeLessThanOrEqual(Date.now());
    expect(Object.keys(body).sort()).toEqual(["adultConfirmedAt", "createdAt", "id", "matchingSuspended"]);
  });

  it("GET /api/topics lists at least 8 Chinese topics without login", async () => {
    const res = await api("/api/topics");
    expect(res.status).toBe(200);
    const { topics } = await res.json<TopicsResponse>();
    expect(topics.length).toBeGreaterThanOrEqual(8);
    for (const topic of topics) {
      expect(topic.id).toMatch(/^[a-z-]+$/);
      expect(topic.title).toMatch(/[\u4e00-\u9fff]/);
      expect(topic.prompt).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(new Set(topics.map((t) => t.id)).size).toBe(topics.length);
  });

  it("GET /api/conversations lists the caller's conversations newest first, partners only by alias", async () => {
    const older = await chatted(1);
    const newer = await pair();
    // Give alice a second conversation that is newer than her first.
    const { getOrCreateConversation } = await import("./helpers");
    const { env } = await import("cloudflare:test");
    const second = await getOrCreateConversation(env.DB, older.alice.user.id, newer.bob.user.id, Date.now());
    const ws = await enter(`/api/rooms/${second.id}`, older.alice.token);
    await sendAndAck(ws.ws, "newer");
    ws.ws.close();
    await env.ROOM.get(env.ROOM.idFromName(second.id)).flush();

    const res = await api("/api/conversations", { token: older.alice.token });
    const { conversations } = await res.json<ConversationsResponse>();
    expect(conversations.map((c) => c.id)).toEqual([second.id, older.roomId]);
    const text = JSON.stringify(conversations);
    expect(text).not.toContain(older.bob.user.id);
    expect(text).not.toContain(newer.bob.user.id);
    expect(conversations[0].partner.alias).toMatch(/^[\u4e00-\u9fff]+$/);
  });

  it("pages history with before/limit and hides it from non-participants", async () => {
    const p = await chatted(7);
    const page1 = await (await api(`/api/conversations/${p.roomId}/messages?limit=3`, { token: p.bob.token })).json<MessagesResponse>();
    expect(page1.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
    expect(page1.messages.every((m) => m.from === "partner")).toBe(true);
    expect(page1.nextBefore).toBe(5);
    const page2 = await (
      await api(`/api/conversations/${p.roomId}/messages?limit=3&before=${page1.nextBefore}`, { token: p.bob.token })
    ).json<MessagesResponse>();
    expect(page2.messages.map((m) => m.seq)).toEqual([2, 3, 4]);

    const eve = await devLogin();
    const hidden = await api(`/api/conversations/${p.roomId}/messages`, { token: eve.token });
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toMatchObject({ error: { code: "not_found" } });
    expect((await api(`/api/conversations/nope/messages`, { token: eve.token })).status).toBe(404);

    for (const query of ["limit=0", "limit=101", "limit=abc", "before=-3"]) {
      const bad = await api(`/api/conversations/${p.roomId}/messages?${query}`, { token: p.bob.token });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: { code: "bad_request" } });
    }
  });

  it("DELETE /api/conversations/:id hides the history for the caller only, including what the room still holds", async () => {
    const p = await chatted(3);
    const a = await enter(`${p.roomPath}?after=3`, p.alice.token);
    await sendAndAck(a.ws, "not yet copied");

    const eve = await devLogin();
    expect((await api(`/api/conversations/${p.roomId}`, { method: "DELETE", token: eve.token })).status).toBe(404);

    const res = await api(`/api/conversations/${p.roomId}`, { method: "DELETE", token: p.bob.token });
    expect(await res.json()).toEqual({ deleted: 4 });
    await p.stub.flush();
    expect(await d1Messages(p.roomId, p.bob.token)).toEqual([]);
    // The partner keeps everything.
    expect((await d1Messages(p.roomId, p.alice.token)).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    const again = await enter(p.roomPath, p.bob.token);
    expect(again.history).toEqual([]);
    // The room keeps working, and seq never goes backwards.
    expect((await sendAndAck(again.ws, "a fresh start")).seq).toBe(5);
    a.ws.close();
    again.ws.close();
  });

  it("answers unknown routes with the JSON 404", async () => {
    const res = await api("/api/nothing-here");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });
});
