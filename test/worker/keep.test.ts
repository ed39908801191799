import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { aliasFor } from "../../worker/alias";
import { getOrCreateConversations } from "../../worker/db/conversations";
import { CLOSE, LIMITS, type ChatsResponse } from "../../worker/protocol";
import { adminApi, api, connect, devLogin, enter, pair, sendAndAck, sleep, TestSocket } from "./helpers";

// 保持联系 in the room and 我的聊天 over REST: double-blind taps, the list, coming back, ending.

async function chats(token: string) {
  const res = await api("/api/chats", { token });
  expect(res.status).toBe(200);
  return (await res.json<ChatsResponse>()).chats;
}

/** Proves the socket has nothing else queued: a ping's pong arrives after anything sent before it. */
async function drained(ws: TestSocket): Promise<unknown[]> {
  ws.send({ type: "ping" });
  await ws.next("pong");
  return ws.pending();
}

/** Polls a condition that a background write makes true (bounded: fails rather than hangs). */
async function eventually(check: () => Promise<boolean>, tries = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error("condition never became true");
}

/** Both in the room, both tapped: kept. */
async function keptPair() {
  const p = await pair();
  const a = await enter(p.roomPath, p.alice.token);
  const b = await enter(p.roomPath, p.bob.token);
  await a.ws.next("presence");
  a.ws.send({ type: "keep" });
  await a.ws.next("keep_pending");
  b.ws.send({ type: "keep" });
  await Promise.all([a.ws.next("kept"), b.ws.next("kept")]);
  return { ...p, a, b };
}

describe("保持联系: double-blind", () => {
  it("one tap shows nothing to the other side and keeps nothing", async () => {
    const { alice, bob, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    await a.ws.next("presence");
    a.ws.send({ type: "keep" });
    expect(await a.ws.next("keep_pending")).toEqual({ type: "keep_pending" });
    expect(await drained(b.ws)).toEqual([]);
    expect(await chats(alice.token)).toEqual([]);
    expect(await chats(bob.token)).toEqual([]);
    a.ws.close();
    b.ws.close();
  });

  it("both taps keep the chat for both: a kept frame each and one 我的聊天 entry each, alias only", async () => {
    const { alice, bob, roomId, a, b } = await keptPair();
    const listA = await chats(alice.token);
    expect(listA).toEqual([{ id: roomId, partner: { alias: aliasFor(roomId, bob.user.id) }, keptAt: expect.any(Number), lastMessageAt: null, unread: 0 }]);
    expect((await chats(bob.token)).map((c) => c.partner.alias)).toEqual([aliasFor(roomId, alice.user.id)]);
    // A tap after keeping only says so again.
    a.ws.send({ type: "keep" });
    expect(await a.ws.next("kept")).toEqual({ type: "kept" });
    a.ws.close();
    b.ws.close();
  });

  it("forgets a tap nobody matched when a new meeting begins: a later tap is alone again", async () => {
    const { alice, bob, roomPath } = await pair();
    let a = await enter(roomPath, alice.token);
    let b = await enter(roomPath, bob.token);
    a.ws.send({ type: "keep" });
    await a.ws.next("keep_pending");
    a.ws.send({ type: "leave" });
    b.ws.send({ type: "leave" });
    await Promise.all([a.ws.waitClosed(), b.ws.waitClosed()]);
    a = await enter(roomPath, alice.token);
    b = await enter(roomPath, bob.token);
    b.ws.send({ type: "keep" });
    expect(await b.ws.next("keep_pending")).toEqual({ type: "keep_pending" });
    expect(await drained(a.ws)).not.toContainEqual({ type: "kept" });
    expect(await chats(bob.token)).toEqual([]);
    a.ws.close();
    b.ws.close();
  });

  it("takes a tap from an end screen over REST: with the partner's tap still standing, both keep", async () => {
    const { alice, bob, roomId, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    a.ws.send({ type: "keep" });
    await a.ws.next("keep_pending");
    // Alice moves on (换一个); Bob's phone closes the room socket on the end screen.
    a.ws.send({ type: "leave" });
    await b.ws.next("partner_left");
    b.ws.close();
    await b.ws.waitClosed();
    const res = await api(`/api/chats/${roomId}/keep`, { method: "POST", token: bob.token });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ keep: "kept" });
    expect(await chats(alice.token)).toHaveLength(1);
    // Someone else cannot tap on this pair's chat.
    const stranger = await devLogin();
    expect((await api(`/api/chats/${roomId}/keep`, { method: "POST", token: stranger.token })).status).toBe(404);
  });

  it("answers a lone REST tap with pending and tells the partner nothing", async () => {
    const { alice, bob, roomId, roomPath } = await pair();
    const b = await enter(roomPath, bob.token);
    const a = await enter(roomPath, alice.token);
    a.ws.close();
    const res = await api(`/api/chats/${roomId}/keep`, { method: "POST", token: alice.token });
    expect(await res.json()).toEqual({ keep: "pending" });
    expect(await drained(b.ws)).not.toContainEqual({ type: "kept" });
    expect(await drained(b.ws)).not.toContainEqual({ type: "keep_pending" });
    b.ws.close();
  });

  it("refuses a tap past the limit with too_many_chats, telling the partner nothing", async () => {
    const { alice, bob, roomPath } = await pair();
    // Alice already keeps LIMITS.keptChatsMax chats (with users written straight into D1).
    const others = Array.from({ length: LIMITS.keptChatsMax }, () => crypto.randomUUID());
    const now = Date.now();
    await env.DB.batch(
      others.map((id) =>
        env.DB.prepare("INSERT INTO users (id, identity_hash, platform, created_at, last_seen_at) VALUES (?, ?, 'dev', ?, ?)").bind(id, `h-${id}`, now, now),
      ),
    );
    const rows = await getOrCreateConversations(env.DB, others.map((id) => [alice.user.id, id] as const), now);
    await env.DB.batch(
      rows.map((r) => env.DB.prepare("INSERT INTO kept_chats (conversation_id, user_id, kept_at, read_seq) VALUES (?, ?, ?, 0)").bind(r.id, alice.user.id, now)),
    );
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    b.ws.send({ type: "keep" });
    await b.ws.next("keep_pending");
    a.ws.send({ type: "keep" });
    expect(await a.ws.next("error")).toMatchObject({ type: "error", code: "too_many_chats" });
    expect(await drained(b.ws)).not.toContainEqual({ type: "kept" });
    expect(await chats(bob.token)).toEqual([]);
    expect(await chats(alice.token)).toHaveLength(LIMITS.keptChatsMax);
    a.ws.close();
    b.ws.close();
  });
});

describe("保持联系: coming back through 我的聊天", () => {
  it("counts what the partner wrote while away as unread, and opening the room shows it and clears the count", async () => {
    const { alice, bob, roomId, roomPath, stub, a, b } = await keptPair();
    a.ws.send({ type: "leave" });
    await a.ws.waitClosed();
    const sent = await sendAndAck(b.ws, "还在吗？");
    // The list reads D1, which the room's batched copy reaches shortly after the ack: copy now.
    await stub.flush();
    const list = await chats(alice.token);
    expect(list[0]).toMatchObject({ id: roomId, unread: 1, lastMessageAt: sent.at });

    const back = await enter(roomPath, alice.token);
    expect(back.history.map((m) => m.text)).toContain("还在吗？");
    expect(await back.ws.next("kept")).toEqual({ type: "kept" });
    // The read mark was written when the socket opened.
    await eventually(async () => (await chats(alice.token))[0].unread === 0);
    expect((await chats(bob.token))[0].unread).toBe(0);
    back.ws.close();
    b.ws.close();
  });
});

describe("保持联系 and deleting one's history", () => {
  it("deleting the history hides it for the deleter only and keeps the chat in both lists", async () => {
    const { alice, bob, roomId, stub, a, b } = await keptPair();
    await sendAndAck(b.ws, "第一句");
    await stub.flush();
    a.ws.close();
    const res = await api(`/api/conversations/${roomId}`, { method: "DELETE", token: alice.token });
    expect(res.status).toBe(200);
    // Still kept on both phones; nothing the deleter hid counts as unread.
    expect((await chats(alice.token)).map((c) => ({ id: c.id, unread: c.unread }))).toEqual([{ id: roomId, unread: 0 }]);
    expect((await chats(bob.token)).map((c) => c.id)).toEqual([roomId]);
    // A later message reaches the deleter as unread, and the partner still has the first.
    await sendAndAck(b.ws, "第二句");
    await stub.flush();
    expect((await chats(alice.token))[0].unread).toBe(1);
    const theirs = await api(`/api/conversations/${roomId}/messages`, { token: bob.token });
    expect((await theirs.json<{ messages: { text: string }[] }>()).messages.map((m) => m.text)).toEqual(["第一句", "第二句"]);
    b.ws.close();
  });
});

describe("保持联系: ending", () => {
  it("ends for both from either list: sockets closed with chat_ended, entries gone, reopening refused until matched again", async () => {
    const { alice, bob, roomId, roomPath, a, b } = await keptPair();
    const res = await api(`/api/chats/${roomId}`, { method: "DELETE", token: bob.token });
    expect(res.status).toBe(204);
    for (const s of [a.ws, b.ws]) {
      expect(await s.next("error")).toMatchObject({ code: "chat_ended" });
      expect((await s.waitClosed()).code).toBe(CLOSE.ended);
    }
    expect(await chats(alice.token)).toEqual([]);
    expect(await chats(bob.token)).toEqual([]);
    const refused = await connect(roomPath, alice.token);
    expect(refused).toBeInstanceOf(Response);
    expect((refused as Response).status).toBe(410);
    expect(await (refused as Response).json()).toMatchObject({ error: { code: "chat_ended" } });
    expect((await api(`/api/chats/${roomId}`, { method: "DELETE", token: alice.token })).status).toBe(404);

    // The lobby pairs them again (days later): the room opens, history intact.
    await getOrCreateConversations(env.DB, [[alice.user.id, bob.user.id]], Date.now() + 1, true);
    const again = await enter(roomPath, alice.token);
    again.ws.close();
  });

  it("cannot be ended by someone else", async () => {
    const { roomId, a, b } = await keptPair();
    const stranger = await devLogin();
    expect((await api(`/api/chats/${roomId}`, { method: "DELETE", token: stranger.token })).status).toBe(404);
    a.ws.close();
    b.ws.close();
  });

  it("ends with a block (POST /api/blocks)", async () => {
    const { alice, bob, roomId, a, b } = await keptPair();
    const res = await api("/api/blocks", { method: "POST", token: alice.token, json: { conversationId: roomId } });
    expect(res.status).toBe(204);
    expect(await b.ws.next("error")).toMatchObject({ code: "chat_ended" });
    expect(await chats(alice.token)).toEqual([]);
    expect(await chats(bob.token)).toEqual([]);
    a.ws.close();
  });

  it("ends with a report made in the room", async () => {
    const { alice, bob, a, b } = await keptPair();
    a.ws.send({ type: "report", reason: "骚扰" });
    await a.ws.next("reported");
    expect(await b.ws.next("error")).toMatchObject({ code: "chat_ended" });
    expect(await chats(alice.token)).toEqual([]);
    expect(await chats(bob.token)).toEqual([]);
  });

  it("ends when the partner is banned or erases their account; the other keeps the history", async () => {
    const banned = await keptPair();
    banned.a.ws.close();
    expect((await adminApi(`/api/admin/users/${banned.bob.user.id}/ban`, { method: "POST" })).status).toBe(200);
    expect(await chats(banned.alice.token)).toEqual([]);

    const erased = await keptPair();
    await sendAndAck(erased.b.ws, "再见");
    erased.a.ws.close();
    expect((await api("/api/me", { method: "DELETE", token: erased.bob.token })).status).toBeLessThan(300);
    expect(await chats(erased.alice.token)).toEqual([]);
  });
});
