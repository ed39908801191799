import { historyDbFor } from "../../worker/history/shards";
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../../worker/db/client";
import { getOrCreateConversation } from "./helpers";
import { flagMessages } from "../../worker/db/flags";
import { blocks, conversations, messageFlags, messages, reports, users } from "../../worker/db/schema";
import worker from "../../worker/index";
import { runRetention } from "../../worker/retention";
import { devLogin } from "./helpers";
import { seedMessages } from "./safety-helpers";

const DAY = 24 * 3600 * 1000;

async function setLastSeen(userId: string, at: number, bannedAt: number | null = null) {
  await db(env.DB).update(users).set({ lastSeenAt: at, bannedAt }).where(eq(users.id, userId));
}

async function exists(table: typeof users | typeof conversations, id: string) {
  return (await db(env.DB).select({ id: table.id }).from(table).where(eq(table.id, id)).all()).length === 1;
}

async function messageIdsOf(conversationId: string) {
  const rows = await db(historyDbFor(env, conversationId)).select({ id: messages.id }).from(messages).where(eq(messages.conversationId, conversationId)).all();
  return rows.map((r) => r.id).sort();
}

describe("retention run", () => {
  it(`removes exactly what is older than RETENTION_DAYS: messages, reports, flags, inactive users with their conversations`, async () => {
    const now = Date.now();
    const old = now - 31 * DAY;
    const recent = now - 29 * DAY;
    const orm = db(env.DB);

    const [active, partner, idle, bannedIdle, quietSender] = await Promise.all([1, 2, 3, 4, 5].map(() => devLogin()));
    await setLastSeen(idle.user.id, old);
    await setLastSeen(bannedIdle.user.id, old, old);
    await setLastSeen(quietSender.user.id, old);

    // Active pair: 3 old messages then 2 recent ones; only the old go.
    const kept = await getOrCreateConversation(env.DB, active.user.id, partner.user.id, old);
    const keptRows = await seedMessages(kept.id, [active.user.id, partner.user.id], 5, (i) => (i < 3 ? old - 1000 + i : recent + i));
    await orm.update(conversations).set({ lastMessageAt: recent + 4 }).where(eq(conversations.id, kept.id));
    // A pair whose whole history is old: the conversation stays, without history.
    const stale = await getOrCreateConversation(env.DB, partner.user.id, quietSender.user.id, old);
    await seedMessages(stale.id, [partner.user.id, quietSender.user.id], 2, (i) => old + i);
    await orm.update(conversations).set({ lastMessageAt: old + 1 }).where(eq(conversations.id, stale.id));
    // The idle user's conversation goes with them, recent messages included.
    const idleChat = await getOrCreateConversation(env.DB, idle.user.id, active.user.id, old);
    await seedMessages(idleChat.id, [active.user.id, active.user.id], 2, (i) => recent + i);
    // The quiet sender has not been seen, but sent a message recently: still active.
    const quietChat = await getOrCreateConversation(env.DB, quietSender.user.id, active.user.id, old);
    await seedMessages(quietChat.id, [quietSender.user.id, active.user.id], 1, () => recent);

    const snapshot = "[]";
    const [oldReport] = await orm
      .insert(reports)
      .values({ reporterId: active.user.id, reportedId: partner.user.id, conversationId: kept.id, reason: "old", snapshot, createdAt: old })
      .returning({ id: reports.id });
    const [newReport] = await orm
      .insert(reports)
      .values({ reporterId: active.user.id, reportedId: partner.user.id, conversationId: kept.id, reason: "new", snapshot, createdAt: recent })
      .returning({ id: reports.id });

    const orphanOld = `orphan-${crypto.randomUUID()}`;
    const orphanFresh = `orphan-${crypto.randomUUID()}`;
    await flagMessages(historyDbFor(env, kept.id), [
      { messageId: keptRows[0].id, conversationId: kept.id, reason: "review", createdAt: old },
      { messageId: keptRows[4].id, conversationId: kept.id, reason: "review", createdAt: recent },
      { messageId: orphanOld, conversationId: kept.id, reason: "review", createdAt: now - 2 * 3600 * 1000 },
      { messageId: orphanFresh, conversationId: kept.id, reason: "review", createdAt: now - 60 * 1000 },
    ]);

    const result = await runRetention(env, now);
    expect(result.cutoff).toBe(now - 30 * DAY);
    expect(result.users).toBeGreaterThanOrEqual(1);
    expect(result.messages).toBeGreaterThanOrEqual(7);

    expect(await messageIdsOf(kept.id)).toEqual(keptRows.slice(3).map((r) => r.id).sort());
    expect(await messageIdsOf(stale.id)).toEqual([]);
    expect((await orm.select().from(conversations).where(eq(conversations.id, stale.id)).get())?.lastMessageAt).toBeNull();
    expect((await orm.select().from(conversations).where(eq(conversations.id, kept.id)).get())?.lastMessageAt).toBe(recent + 4);

    expect(await exists(users, idle.user.id)).toBe(false);
    expect(await exists(conversations, idleChat.id)).toBe(false);
    expect(await messageIdsOf(idleChat.id)).toEqual([]);
    for (const user of [active, partner, bannedIdle, quietSender]) expect(await exists(users, user.user.id)).toBe(true);
    expect(await exists(conversations, quietChat.id)).toBe(true);

    const reportIds = (await orm.select({ id: reports.id }).from(reports).where(inArray(reports.id, [oldReport.id, newReport.id])).all()).map((r) => r.id);
    expect(reportIds).toEqual([newReport.id]);

    const flags = await db(historyDbFor(env, kept.id))
      .select({ id: messageFlags.messageId })
      .from(messageFlags)
      .where(inArray(messageFlags.messageId, [keptRows[0].id, keptRows[4].id, orphanOld, orphanFresh]))
      .all();
    expect(flags.map((f) => f.id).sort()).toEqual([keptRows[4].id, orphanFresh].sort());
  });

  it("removes an inactive user with the blocks on them and the reports about them (no foreign key does it now)", async () => {
    const now = Date.now();
    const orm = db(env.DB);
    const [idle, other] = await Promise.all([devLogin(), devLogin()]);
    const chat = await getOrCreateConversation(env.DB, idle.user.id, other.user.id, now);
    await orm.insert(blocks).values({ blockerId: other.user.id, blockedId: idle.user.id, createdAt: now });
    await orm
      .insert(reports)
      .values({ reporterId: other.user.id, reportedId: idle.user.id, conversationId: chat.id, reason: "x", snapshot: "[]", createdAt: now });
    await setLastSeen(idle.user.id, now - 31 * DAY);

    await runRetention(env, now);
    expect(await exists(users, idle.user.id)).toBe(false);
    expect(await orm.select().from(blocks).where(eq(blocks.blockedId, idle.user.id)).all()).toEqual([]);
    expect(await orm.select().from(reports).where(eq(reports.reportedId, idle.user.id)).all()).toEqual([]);
  });

  it("honours RETENTION_DAYS", async () => {
    const now = Date.now();
    const a = await devLogin();
    const b = await devLogin();
    const chat = await getOrCreateConversation(env.DB, a.user.id, b.user.id, now);
    const rows = await seedMessages(chat.id, [a.user.id, b.user.id], 2, (i) => (i === 0 ? now - 3 * DAY : now - 1 * DAY));
    await runRetention({ ...env, RETENTION_DAYS: "2" }, now);
    expect(await messageIdsOf(chat.id)).toEqual([rows[1].id]);
  });

  it("runs from the cron trigger (the worker's scheduled handler)", async () => {
    const now = Date.now();
    const a = await devLogin();
    const b = await devLogin();
    const chat = await getOrCreateConversation(env.DB, a.user.id, b.user.id, now);
    const rows = await seedMessages(chat.id, [a.user.id, b.user.id], 2, (i) => (i === 0 ? now - 40 * DAY : now));
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ scheduledTime: now, cron: "17 3 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await messageIdsOf(chat.id)).toEqual([rows[1].id]);
  });
});
