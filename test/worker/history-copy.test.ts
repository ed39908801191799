import { historyDbFor } from "../../worker/history/shards";
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { copyHistory } from "../../worker/db/history";
import { writerCount } from "../../worker/history/writers";
import type { Room } from "../../worker/room/room";
import { d1Messages, enter, pair, sendAndAck } from "./helpers";

// The copy of room history to D1 through the history writers (worker/history/copy.ts,
// writer.ts): group commit across rooms, bounded backoff, nothing lost or doubled.

async function writerTransactions(): Promise<number> {
  let total = 0;
  for (let i = 0; i < writerCount(env); i++) {
    total += (await env.HISTORY_WRITER.get(env.HISTORY_WRITER.idFromName(`writer/${i}`)).stats()).transactions;
  }
  return total;
}

const roomState = (stub: DurableObjectStub<Room>) =>
  runInDurableObject(stub, async (room: Room, state) => ({
    failures: Number(state.storage.sql.exec("SELECT value FROM meta WHERE key = 'copy_failures'").toArray()[0]?.value ?? 0),
    alarm: await state.storage.getAlarm(),
    rowsWritten: (room as unknown as { store: { rowsWritten: number } }).store.rowsWritten,
  }));

describe("history copy to D1", () => {
  it("copies many rooms in a few D1 transactions, not one per room", async () => {
    const rooms = await Promise.all(Array.from({ length: 12 }, () => pair()));
    for (const p of rooms) {
      const a = await enter(p.roomPath, p.alice.token);
      await sendAndAck(a.ws, `hello from ${p.roomId}`);
      a.ws.close();
    }
    const before = await writerTransactions();
    const copied = await Promise.all(rooms.map((p) => p.stub.flush()));
    const used = (await writerTransactions()) - before;
    expect(copied.every((n) => n === 1)).toBe(true);
    // Each writer gathers whatever arrives within its window into one batch.
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(2 * writerCount(env));
    expect(used).toBeLessThan(rooms.length);
    for (const p of rooms) {
      const messages = await d1Messages(p.roomId, p.bob.token);
      expect(messages.map((m) => m.text)).toEqual([`hello from ${p.roomId}`]);
      // The same batch moves each conversation's last_message_at (the conversation list's order).
      const row = await env.DB.prepare("SELECT last_message_at AS at FROM conversations WHERE id = ?").bind(p.roomId).first<{ at: number }>();
      expect(row?.at).toBe(messages[0]!.at);
    }
  });

  it("writes one row per message in the room, nothing more on the send path", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    await sendAndAck(a.ws, "warm up");
    const before = (await roomState(p.stub)).rowsWritten;
    for (let i = 0; i < 5; i++) await sendAndAck(a.ws, `message ${i}`);
    const perMessage = ((await roomState(p.stub)).rowsWritten - before) / 5;
    // Older stores wrote the row plus a clientId index entry (and before that two more indexes and a copied flag).
    expect(perMessage).toBeLessThanOrEqual(1);
    expect(perMessage).toBeGreaterThan(0);
    a.ws.close();
  });

  it("writes one D1 row per message, plus the conversation's bookkeeping once per batch", async () => {
    const p = await pair();
    const now = Date.now();
    const rows = Array.from({ length: 40 }, (_, i) => ({
      id: `m-${p.roomId}-${i}`,
      conversationId: p.roomId,
      senderId: p.alice.user.id,
      body: `message ${i}`,
      seq: i + 1,
      createdAt: now + i,
    }));
    const first = await copyHistory(env.DB, [{ conversationId: p.roomId, rows, flags: [] }], historyDbFor(env, p.roomId));
    // 40 message rows; then last_message_at, first_message_at (with its index entry), the minute count.
    // The earlier table wrote five per message (row, id key, (conversation, seq), sender, time).
    expect(first.rowsWritten).toBeGreaterThanOrEqual(40);
    expect(first.rowsWritten).toBeLessThanOrEqual(40 + 5);
    const more = rows.map((r) => ({ ...r, id: `${r.id}-b`, seq: r.seq + 40, createdAt: r.createdAt + 100 }));
    const second = await copyHistory(env.DB, [{ conversationId: p.roomId, rows: more, flags: [] }], historyDbFor(env, p.roomId));
    // first_message_at does not move: only last_message_at and the minute count change.
    expect(second.rowsWritten).toBeLessThanOrEqual(40 + 2);
    // A repeated batch (a writer retry) adds no message.
    await copyHistory(env.DB, [{ conversationId: p.roomId, rows: more, flags: [] }], historyDbFor(env, p.roomId));
    const stored = await historyDbFor(env, p.roomId).prepare("SELECT count(*) AS n, min(created_at) AS first FROM messages WHERE conversation_id = ?").bind(p.roomId).first<{ n: number; first: number }>();
    expect(stored?.n).toBe(80);
    const conversation = await env.DB.prepare("SELECT first_message_at AS first FROM conversations WHERE id = ?").bind(p.roomId).first<{ first: number }>();
    expect(conversation?.first).toBe(stored?.first);
  });

  it("still recognises a retried clientId after the room woke up (memory answers only for new ones)", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const first = await sendAndAck(a.ws, "once", "retry-after-wake");
    await evictDurableObject(p.stub, { webSockets: "hibernate" });
    expect(await sendAndAck(a.ws, "once", "retry-after-wake")).toEqual(first);
    // The same clientId from the other participant is a different message.
    const b = await enter(p.roomPath, p.bob.token);
    expect((await sendAndAck(b.ws, "mine", "retry-after-wake")).seq).toBe(first.seq + 1);
    const rows = await runInDurableObject(p.stub, (_room: Room, state) => state.storage.sql.exec("SELECT count(*) AS n FROM messages").one().n);
    expect(rows).toBe(2);
    a.ws.close();
    b.ws.close();
  });

  it("retries a failing copy with growing backoff and a logged reason, then copies once", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    // D1 refuses this one message until the trigger goes (an outage, as far as the room can tell).
    await historyDbFor(env, p.roomId).exec(
      `CREATE TRIGGER refuse_${p.roomId.replace(/[^a-zA-Z0-9]/g, "")} BEFORE INSERT ON messages WHEN NEW.conversation_id = '${p.roomId}' BEGIN SELECT RAISE(ABORT, 'injected outage'); END`,
    );
    const ack = await sendAndAck(a.ws, "delayed but kept");
    // Attempts come from this test only: no alarm of the room's own in between.
    await runInDurableObject(p.stub, (_room: Room, state) => state.storage.deleteAlarm());
    await evictDurableObject(p.stub, { webSockets: "hibernate" });
    const failure = () => p.stub.flush().then(() => null, (e: unknown) => String(e));

    expect(await failure()).toMatch(/injected outage/);
    expect((await roomState(p.stub)).failures).toBe(1);
    expect(await failure()).toMatch(/injected outage/);
    expect((await roomState(p.stub)).failures).toBe(2);

    // A send during the outage does not pull the next attempt forward: the backoff holds (≥ 2 s now).
    const sentAt = Date.now();
    await sendAndAck(a.ws, "during the outage");
    const during = await roomState(p.stub);
    expect(during.alarm).not.toBeNull();
    expect(during.alarm! - sentAt).toBeGreaterThanOrEqual(1900);
    expect(await d1Messages(p.roomId, p.alice.token)).toEqual([]);

    await historyDbFor(env, p.roomId).exec(`DROP TRIGGER refuse_${p.roomId.replace(/[^a-zA-Z0-9]/g, "")}`);
    expect(await p.stub.flush()).toBe(2);
    expect((await roomState(p.stub)).failures).toBe(0);
    expect(await p.stub.flush()).toBe(0);
    const stored = await d1Messages(p.roomId, p.bob.token);
    expect(stored.map((m) => m.text)).toEqual(["delayed but kept", "during the outage"]);
    expect(stored[0]!.id).toBe(ack.id);
    a.ws.close();
  });

  it("does not bring back an erased conversation's messages, and never fails other rooms for it", async () => {
    const gone = await pair();
    const kept = await pair();
    const g = await enter(gone.roomPath, gone.alice.token);
    const k = await enter(kept.roomPath, kept.alice.token);
    await sendAndAck(g.ws, "to be erased");
    await sendAndAck(k.ws, "to be kept");
    // The conversation row goes (its users were erased) before the room's copy runs.
    await env.DB.prepare("DELETE FROM conversations WHERE id = ?").bind(gone.roomId).run();
    const [goneCopied, keptCopied] = await Promise.all([gone.stub.flush(), kept.stub.flush()]);
    expect(goneCopied).toBe(0);
    expect(keptCopied).toBe(1);
    const orphans = await historyDbFor(env, gone.roomId).prepare("SELECT count(*) AS n FROM messages WHERE conversation_id = ?").bind(gone.roomId).first<{ n: number }>();
    expect(orphans?.n).toBe(0);
    expect(await g.ws.next("error")).toMatchObject({ code: "conversation_ended" });
    k.ws.close();
  });
});
