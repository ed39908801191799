// The meeting point of a sharded lobby. Shards pair their own people first and offer only the
// leftovers here (a snapshot per shard, refreshed every tick), so the hub's load grows with the
// number of shards, not of users. It pairs across shards with the same rule, then completes
// each match by claiming both people from their shards (a two-phase hold) before telling them.
import { DurableObject } from "cloudflare:workers";
import { aliasFor } from "../alias";
import { wakeBy } from "../alarm";
import type { Env } from "../env";
import { logError } from "../log";
import { ConversationOpener } from "./opener";
import type { Offer, Settlement, ShardCounts } from "./messages";
import { allTopics, DEFAULT_TOPICS, promptFor } from "../topics";
import { pairWaiters, type Pair } from "./pairing";
import { addColumn, flagsOf, mapRows, waiterColumns, type Row } from "./rows";
import { lobbyTiming, shardStub, type Placement } from "./shards";

interface Held extends Offer {
  shard: number;
}

/** An offer row, or null when a column has the wrong type (rows.ts). */
function toHeld(r: Row): Held | null {
  const waiter = waiterColumns(r);
  const { ticket, shard } = r;
  if (!waiter || typeof ticket !== "string" || typeof shard !== "number") return null;
  return { ...waiter, ticket, shard };
}

/** Offers and counts not refreshed for this long belong to a shard that went quiet. */
const STALE_MS = 5000;

export class LobbyHub extends DurableObject<Env> {
  // Pairs being completed right now. Losing this on eviction is harmless: the shards hold
  // those people until the hold expires, so they are not offered again meanwhile.
  private readonly inFlight = new Set<string>();

  private readonly opener: ConversationOpener;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.opener = new ConversationOpener(env.DB);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS offers (
      user_id TEXT PRIMARY KEY,
      shard INTEGER NOT NULL,
      ticket TEXT NOT NULL,
      topic TEXT,
      since INTEGER NOT NULL,
      blocked TEXT NOT NULL,
      reported_at INTEGER NOT NULL,
      flags INTEGER NOT NULL DEFAULT 0
    )`);
    addColumn(ctx.storage.sql, "offers", "flags", "INTEGER NOT NULL DEFAULT 0");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)");
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS shards (idx INTEGER PRIMARY KEY, online INTEGER NOT NULL, reported_at INTEGER NOT NULL)",
    );
    // `online` is the older layout's column (waiting + matched); kept so old rows still read.
    addColumn(ctx.storage.sql, "shards", "waiting", "INTEGER NOT NULL DEFAULT 0");
    addColumn(ctx.storage.sql, "shards", "matched", "INTEGER NOT NULL DEFAULT 0");
  }

  /**
   * A shard's current leftovers (replacing its previous offer) and its own counts (people waiting,
   * people matched recently). Answers with the sums of all the other shards.
   */
  async report(placement: Placement, offers: Offer[], counts: ShardCounts): Promise<ShardCounts> {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    sql.exec("DELETE FROM offers WHERE shard = ? OR reported_at < ?", placement.index, now - STALE_MS);
    for (const o of offers) {
      if (this.inFlight.has(o.userId)) continue;
      sql.exec(
        "INSERT OR REPLACE INTO offers (user_id, shard, ticket, topic, since, blocked, reported_at, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        o.userId,
        placement.index,
        o.ticket,
        o.topic,
        o.since,
        JSON.stringify(o.blocked),
        now,
        flagsOf(o),
      );
    }
    sql.exec(
      "INSERT OR REPLACE INTO shards (idx, online, reported_at, waiting, matched) VALUES (?, ?, ?, ?, ?)",
      placement.index,
      counts.waiting + counts.matched,
      now,
      counts.waiting,
      counts.matched,
    );

    sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('pool', ?)", placement.pool);
    await this.pairOffers(placement.pool, now);
    const row = sql
      .exec(
        "SELECT coalesce(sum(waiting), 0) AS waiting, coalesce(sum(matched), 0) AS matched FROM shards WHERE idx != ? AND reported_at >= ?",
        placement.index,
        now - STALE_MS,
      )
      .one();
    return { waiting: Number(row.waiting), matched: Number(row.matched) };
  }

  /** A topic wait ran out among the offers: pair again without waiting for the next report. */
  override async alarm(): Promise<void> {
    try {
      const [row] = this.ctx.storage.sql.exec("SELECT value FROM meta WHERE key = 'pool'").toArray();
      if (typeof row?.value === "string") await this.pairOffers(row.value, Date.now());
    } catch (err) {
      logError("hub.alarm_failed", err);
    }
  }

  private async pairOffers(pool: string, now: number): Promise<void> {
    const sql = this.ctx.storage.sql;
    const offers = mapRows(sql.exec("SELECT * FROM offers").toArray(), toHeld, "offers");
    const { fallbackMs } = lobbyTiming(this.env);
    const pairs = pairWaiters(offers, { now, fallbackMs, random: Math.random });
    for (const pair of pairs) {
      sql.exec("DELETE FROM offers WHERE user_id IN (?, ?)", pair.a.userId, pair.b.userId);
      this.inFlight.add(pair.a.userId).add(pair.b.userId);
      this.ctx.waitUntil(this.complete(pool, pair));
    }
    const next = sql
      .exec(
        "SELECT min(since) AS since FROM offers WHERE topic IS NOT NULL AND since > ?",
        now - fallbackMs,
      )
      .one().since;
    if (typeof next === "number") {
      await wakeBy(this.ctx.storage, next + fallbackMs, now);
    }
  }

  /** Claim both, open the conversation, deliver; whoever is still there when anything fails waits on. */
  private async complete(pool: string, { a, b, topic }: Pair<Held>): Promise<void> {
    const shardA = shardStub(this.env, pool, a.shard);
    const shardB = shardStub(this.env, pool, b.shard);
    try {
      const [okA, okB] = await Promise.all([shardA.claim(a.userId, a.ticket), shardB.claim(b.userId, b.ticket)]);
      if (!okA || !okB) {
        if (okA) await shardA.settle(a.userId, a.ticket, null);
        if (okB) await shardB.settle(b.userId, b.ticket, null);
        return;
      }
      let roomId: string;
      const catalogue = allTopics(this.env.DB).catch(() => DEFAULT_TOPICS);
      try {
        roomId = await this.opener.open(a.userId, b.userId);
      } catch (err) {
        logError("hub.open_failed", err, { shardA: a.shard, shardB: b.shard });
        await Promise.all([shardA.settle(a.userId, a.ticket, null), shardB.settle(b.userId, b.ticket, null)]);
        return;
      }
      const prompt = promptFor(await catalogue, topic, Math.random);
      const frame = (partnerId: string): Settlement => ({
        type: "matched",
        roomId,
        partner: { alias: aliasFor(roomId, partnerId) },
        topic,
        prompt,
      });
      // Tell b only once a was really still there, so b is never matched with someone gone.
      if (await shardA.settle(a.userId, a.ticket, frame(b.userId))) {
        await shardB.settle(b.userId, b.ticket, frame(a.userId));
      } else {
        await shardB.settle(b.userId, b.ticket, null);
      }
    } catch (err) {
      // A shard did not answer: its holds expire and those people wait again.
      logError("hub.match_failed", err, { shardA: a.shard, shardB: b.shard });
    } finally {
      this.inFlight.delete(a.userId);
      this.inFlight.delete(b.userId);
    }
  }
}
