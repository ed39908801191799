import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { allHistoryDbs, shardCount, shardOf } from "../../../worker/history/shards";
import { writerCount, writerName } from "../../../worker/history/writers";
import { adminApi, api, d1Messages, devLogin, enter, getOrCreateConversation, sendAndAck } from "../helpers";

// History spread over two D1 databases (vitest.shards.config.ts: HISTORY_SHARDS = 2): each
// conversation's messages live in one of them, and every read, list and erasure finds them.

const countIn = async (d1: D1Database, conversationId: string) =>
  (await d1.prepare("SELECT count(*) AS n FROM messages WHERE conversation_id = ?").bind(conversationId).first<{ n: number }>())!.n;

/** Alice and partners until her conversations land in both databases. */
async function aliceInBothShards() {
  const alice = await devLogin();
  const chats: { partner: Awaited<ReturnType<typeof devLogin>>; id: string }[] = [];
  while (new Set(chats.map((c) => shardOf(env, c.id))).size < 2 || chats.length < 2) {
    const partner = await devLogin();
    const conversation = await getOrCreateConversation(env.DB, alice.user.id, partner.user.id, Date.now());
    chats.push({ partner, id: conversation.id });
  }
  for (const chat of chats) {
    const a = await enter(`/api/rooms/${chat.id}`, alice.token);
    const b = await enter(`/api/rooms/${chat.id}`, chat.partner.token);
    await sendAndAck(a.ws, `alice to ${chat.id}`);
    await sendAndAck(b.ws, `reply in ${chat.id}`);
    a.ws.close();
    b.ws.close();
    await env.ROOM.get(env.ROOM.idFromName(chat.id)).flush();
  }
  return { alice, chats };
}

describe("history over two D1 databases", () => {
  it("keeps each conversation's messages in its own database and serves them from there", async () => {
    expect(shardCount(env)).toBe(2);
    const { alice, chats } = await aliceInBothShards();
    const [first, second] = allHistoryDbs(env);
    for (const chat of chats) {
      const [home, other] = shardOf(env, chat.id) === 0 ? [first!, second!] : [second!, first!];
      expect(await countIn(home, chat.id)).toBe(2);
      expect(await countIn(other, chat.id)).toBe(0);
      expect((await d1Messages(chat.id, alice.token)).map((m) => m.text)).toEqual([`alice to ${chat.id}`, `reply in ${chat.id}`]);
    }
    // The conversation list (bookkeeping in the main database) names every one of them.
    const list = await (await api("/api/conversations", { token: alice.token })).json<{ conversations: { id: string }[] }>();
    expect(new Set(list.conversations.map((c) => c.id))).toEqual(new Set(chats.map((c) => c.id)));
    // Each database has its own writers, and both wrote.
    for (const shard of [0, 1]) {
      let transactions = 0;
      for (let i = 0; i < writerCount(env); i++) transactions += (await env.HISTORY_WRITER.get(env.HISTORY_WRITER.idFromName(writerName(shard, i))).stats()).transactions;
      expect(transactions).toBeGreaterThan(0);
    }
  });

  it("lists a user's messages across both databases for the admin, newest first", async () => {
    const { alice, chats } = await aliceInBothShards();
    const log = await (await adminApi(`/api/admin/users/${alice.user.id}/messages?limit=100`)).json<{ messages: { text: string; at: number }[] }>();
    expect(log.messages).toHaveLength(2 * chats.length);
    expect(new Set(log.messages.map((m) => m.text))).toEqual(new Set(chats.flatMap((c) => [`alice to ${c.id}`, `reply in ${c.id}`])));
    const times = log.messages.map((m) => m.at);
    expect(times).toEqual([...times].sort((x, y) => y - x));
  });

  it("an erasure leaves each partner their copy in its database, and the partner's delete then empties both", async () => {
    const { alice, chats } = await aliceInBothShards();
    expect((await api("/api/me", { method: "DELETE", token: alice.token })).status).toBe(200);
    for (const chat of chats) {
      const home = allHistoryDbs(env)[shardOf(env, chat.id)]!;
      expect(await countIn(home, chat.id)).toBe(2);
      expect((await d1Messages(chat.id, chat.partner.token)).map((m) => m.text)).toEqual([`alice to ${chat.id}`, `reply in ${chat.id}`]);
      expect((await api(`/api/conversations/${chat.id}`, { method: "DELETE", token: chat.partner.token })).status).toBe(200);
      for (const d1 of allHistoryDbs(env)) expect(await countIn(d1, chat.id)).toBe(0);
    }
  });
});
