// The benchmark's worker entry: onechat exactly as deployed, plus, in the same runtime, the
// reference room (bench/worker/reference-room.ts), the room without persistence (bench/worker/volatile-room.ts)
// and a few routes the harness needs. Nothing here is part of the deployed worker.
import { Hono } from "hono";
import onechat from "../../worker/index";
import { getOrCreateConversations } from "../../worker/db/conversations";
import type { Env } from "../../worker/env";
import { shardCount } from "../../worker/history/shards";
import { writerCount, writerName } from "../../worker/history/writers";
import type { WriterStats } from "../../worker/history/writer";
import { Room as AppRoom } from "../../worker/room/room";
import type { ReferenceRoom } from "./reference-room";
import type { VolatileRoom } from "./volatile-room";

export { Lobby, LobbyHub, PlatformToken, RateLimiter, HistoryWriter } from "../../worker/index";
export { ReferenceRoom } from "./reference-room";
export { VolatileRoom } from "./volatile-room";

/** The production room, plus a read of the rows its SQLite wrote (SQLite's own count). */
export class Room extends AppRoom {
  benchRowsWritten(): number {
    return this.store.rowsWritten;
  }
}

interface BenchEnv extends Omit<Env, "ROOM"> {
  ROOM: DurableObjectNamespace<Room>;
  REFERENCE_ROOM: DurableObjectNamespace<ReferenceRoom>;
  VOLATILE_ROOM: DurableObjectNamespace<VolatileRoom>;
}

const bench = new Hono<{ Bindings: BenchEnv }>();

bench.use("/bench/api/*", async (c, next) => {
  if (c.req.header("Authorization") !== `Bearer ${c.env.ADMIN_TOKEN}`) return c.json({ error: { code: "unauthorized", message: "admin token" } }, 401);
  await next();
});

/** Conversation rows for relay pairs, so the relay is measured without the lobby in the way. */
bench.post("/bench/api/conversations", async (c) => {
  const { pairs } = await c.req.json<{ pairs: [string, string][] }>();
  const rows = await getOrCreateConversations(c.env.DB, pairs, Date.now());
  return c.json({ ids: rows.map((r) => r.id) });
});

/** Rows written by these rooms since they woke, and the history writers' counters. */
bench.post("/bench/api/stats", async (c) => {
  const { rooms } = await c.req.json<{ rooms: string[] }>();
  const perRoom = await Promise.all(rooms.map((id) => c.env.ROOM.get(c.env.ROOM.idFromName(id)).benchRowsWritten()));
  const roomRows = perRoom.reduce((a, b) => a + b, 0);
  const writers: WriterStats = { transactions: 0, handoffs: 0, messages: 0, rowsWritten: 0, batchMs: 0, batchMsMax: 0 };
  const names = Array.from({ length: shardCount(c.env as unknown as Env) }, (_, shard) =>
    Array.from({ length: writerCount(c.env as unknown as Env) }, (_, i) => writerName(shard, i)),
  ).flat();
  for (const name of names) {
    const s = await c.env.HISTORY_WRITER.get(c.env.HISTORY_WRITER.idFromName(name)).stats();
    writers.transactions += s.transactions;
    writers.handoffs += s.handoffs;
    writers.messages += s.messages;
    writers.rowsWritten += s.rowsWritten;
    writers.batchMs += s.batchMs;
    writers.batchMsMax = Math.max(writers.batchMsMax, s.batchMsMax);
  }
  return c.json({ roomRows, writers });
});

/** The reference room: no auth, one object per id. */
bench.get("/bench/reference/:id", (c) => c.env.REFERENCE_ROOM.get(c.env.REFERENCE_ROOM.idFromName(c.req.param("id"))).fetch(c.req.raw));

/** onechat's own room route (auth, membership, checks), served by the room without persistence. */
bench.get("/bench/volatile/rooms/:id", (c) => {
  const url = new URL(c.req.url);
  url.pathname = `/api/rooms/${c.req.param("id")}`;
  return onechat.fetch(new Request(url, c.req.raw), { ...c.env, ROOM: c.env.VOLATILE_ROOM as unknown as Env["ROOM"] } as Env, c.executionCtx as ExecutionContext);
});

export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname.startsWith("/bench/")) return bench.fetch(request, env, ctx);
    return onechat.fetch(request, env as unknown as Env, ctx);
  },
  scheduled: (controller, env, ctx) => onechat.scheduled(controller, env as unknown as Env, ctx),
} satisfies ExportedHandler<BenchEnv>;
