// The shard's waiting queue and bookkeeping in the object's own SQLite, so a hibernated or
// evicted lobby wakes up with everyone still waiting. Bound parameters only.
import type { BucketState } from "../limits/token-bucket";
import { logEvent } from "../log";
import type { Waiter } from "./pairing";
import { addColumn, flagsOf, mapRows, parsePlacement, waiterColumns, type Row } from "./rows";
import type { Placement } from "./shards";

export interface QueueRow extends Waiter {
  /** One per visit: a replaced or closed socket can only remove its own visit. */
  ticket: string;
  /** Set while a match for this person is being completed (locally or by the hub). */
  heldAt: number | null;
}

/** A queue row, or null when a column has the wrong type (rows.ts). */
function toQueueRow(r: Row): QueueRow | null {
  const waiter = waiterColumns(r);
  const { ticket, held_at: heldAt } = r;
  if (!waiter || typeof ticket !== "string" || (heldAt !== null && typeof heldAt !== "number")) return null;
  return { ...waiter, ticket, heldAt };
}

const toQueueRows = (rows: Row[]) => mapRows(rows, toQueueRow, "queue");

/** Stale join buckets, matches and missed matches are swept at most this often, not on every join. */
const SWEEP_MS = 10_000;

export class LobbyQueue {
  /**
   * Meta numbers of this wake-up, read from SQLite once: only this object writes them, and each
   * join reads several, so a copy in memory saves a query each (writes still go to SQLite).
   */
  private readonly numbers = new Map<string, number | null>();
  /** Rows in `matches`, counted once per wake-up and kept in step with inserts and sweeps. */
  private matchCount: number | null = null;
  /** When each table was last swept, in this wake-up (a lost value only means an early sweep). */
  private readonly sweptAt = new Map<string, number>();
  /**
   * The queue as SQLite holds it, read once per wake-up: only this object writes it, and every
   * join reads it several times (its visit, everyone free, the next deadlines). Writes go to SQLite
   * first and are mirrored here only once they succeeded.
   */
  private waiting: Map<string, QueueRow> | undefined;
  /** Join buckets by user, the same way (read once, written through). */
  private joinBuckets: Map<string, BucketState> | undefined;
  /** Who has a missed match kept (most joiners have none, so most joins skip the DELETE). */
  private missedUsers: Set<string> | undefined;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS queue (
      user_id TEXT PRIMARY KEY,
      ticket TEXT NOT NULL,
      topic TEXT,
      since INTEGER NOT NULL,
      blocked TEXT NOT NULL,
      held_at INTEGER,
      flags INTEGER NOT NULL DEFAULT 0
    )`);
    addColumn(sql, "queue", "flags", "INTEGER NOT NULL DEFAULT 0");
    sql.exec("CREATE TABLE IF NOT EXISTS matches (at INTEGER NOT NULL)");
    sql.exec("CREATE INDEX IF NOT EXISTS matches_at ON matches (at)");
    // Backgrounded waiters who keep their place, and matches waiting for their return (away-wait.ts).
    sql.exec("CREATE TABLE IF NOT EXISTS away (user_id TEXT PRIMARY KEY, ticket TEXT NOT NULL, until INTEGER NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS missed (user_id TEXT PRIMARY KEY, frame TEXT NOT NULL, until INTEGER NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)");
    // Join rate per user: a user always lands on the same shard, so the shard can count alone.
    sql.exec(`CREATE TABLE IF NOT EXISTS join_limits (
      user_id TEXT PRIMARY KEY,
      tokens REAL NOT NULL,
      at INTEGER NOT NULL,
      refusals INTEGER NOT NULL
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS join_limits_at ON join_limits (at)");
  }

  /** True (and noted) when `table` was not swept within SWEEP_MS. */
  private sweepDue(table: string, now: number): boolean {
    if (now - (this.sweptAt.get(table) ?? -Infinity) < SWEEP_MS) return false;
    this.sweptAt.set(table, now);
    return true;
  }

  joinBucket(userId: string): BucketState | undefined {
    return this.buckets().get(userId);
  }

  private buckets(): Map<string, BucketState> {
    if (this.joinBuckets) return this.joinBuckets;
    const buckets = new Map<string, BucketState>();
    let bad = 0;
    for (const row of this.sql.exec("SELECT user_id, tokens, at, refusals FROM join_limits").toArray()) {
      const { user_id: userId, tokens, at, refusals } = row;
      if (typeof tokens === "number" && typeof at === "number" && typeof refusals === "number") buckets.set(String(userId), { tokens, at, refusals });
      else {
        // Unreadable: refuse this user's next join rather than hand out a full bucket; the next write repairs the row.
        buckets.set(String(userId), { tokens: 0, at: Date.now(), refusals: 0 });
        bad++;
      }
    }
    if (bad > 0) logEvent("warn", "lobby.bad_rows", { table: "join_limits", rows: bad });
    this.joinBuckets = buckets;
    return buckets;
  }

  /** Stores a user's join bucket, and forgets buckets that have long refilled. */
  setJoinBucket(userId: string, state: BucketState, forgetBefore: number): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO join_limits (user_id, tokens, at, refusals) VALUES (?, ?, ?, ?)",
      userId,
      state.tokens,
      state.at,
      state.refusals,
    );
    const buckets = this.buckets();
    buckets.set(userId, state);
    if (this.sweepDue("join_limits", state.at)) {
      this.sql.exec("DELETE FROM join_limits WHERE at < ?", forgetBefore);
      for (const [id, bucket] of buckets) if (bucket.at < forgetBefore) buckets.delete(id);
    }
  }

  /** Every visit of one user (normally at most one). */
  visitsOf(userId: string): QueueRow[] {
    const row = this.queue().get(userId);
    return row ? [row] : [];
  }

  private queue(): Map<string, QueueRow> {
    this.waiting ??= new Map(toQueueRows(this.sql.exec("SELECT * FROM queue").toArray()).map((row) => [row.userId, row]));
    return this.waiting;
  }

  /** Mirrors a change SQLite has taken (user_id is the key: one visit per person). */
  private mirror(row: QueueRow): void {
    const queue = this.queue();
    queue.delete(row.userId); // last in Map order, as a replaced row is last in SQLite's
    queue.set(row.userId, row);
  }

  /** Adds a visit; a newer visit of the same user replaces the older one. */
  add(row: QueueRow): void {
    this.changed();
    this.sql.exec(
      "INSERT OR REPLACE INTO queue (user_id, ticket, topic, since, blocked, held_at, flags) VALUES (?, ?, ?, ?, ?, ?, ?)",
      row.userId,
      row.ticket,
      row.topic,
      row.since,
      JSON.stringify(row.blocked),
      row.heldAt,
      flagsOf(row),
    );
    this.mirror({ ...row });
  }

  get(userId: string, ticket: string): QueueRow | undefined {
    const row = this.queue().get(userId);
    return row?.ticket === ticket ? row : undefined;
  }

  /**
   * Removes a visit; false if it was not there. Looks before it deletes: a socket closing after
   * its match (the common case) then writes nothing, and a write is a commit of its own.
   */
  remove(userId: string, ticket: string): boolean {
    if (!this.get(userId, ticket)) return false;
    this.sql.exec("DELETE FROM away WHERE user_id = ? AND ticket = ?", userId, ticket);
    this.sql.exec("DELETE FROM queue WHERE user_id = ? AND ticket = ?", userId, ticket);
    this.queue().delete(userId);
    this.changed();
    return true;
  }

  /** This visit's socket is gone but its person keeps the place until `until`. */
  markAway(userId: string, ticket: string, until: number): void {
    this.sql.exec("INSERT OR REPLACE INTO away (user_id, ticket, until) VALUES (?, ?, ?)", userId, ticket, until);
  }

  isAway(row: Pick<QueueRow, "userId" | "ticket">, now: number): boolean {
    return this.sql.exec("SELECT 1 FROM away WHERE user_id = ? AND ticket = ? AND until >= ?", row.userId, row.ticket, now).toArray().length > 0;
  }

  /** A match made while the person was away, kept for their next visit. */
  keepMissed(userId: string, frame: string, until: number): void {
    this.sql.exec("INSERT OR REPLACE INTO missed (user_id, frame, until) VALUES (?, ?, ?)", userId, frame, until);
    this.missed().add(userId);
  }

  private missed(): Set<string> {
    this.missedUsers ??= new Set(this.sql.exec("SELECT user_id FROM missed").toArray().map((r) => String(r.user_id)));
    return this.missedUsers;
  }

  /** Takes the person's missed match, if one is still fresh; forgets stale ones. */
  takeMissed(userId: string, now: number): string | null {
    const missed = this.missed();
    if (this.sweepDue("missed", now)) {
      for (const row of this.sql.exec("DELETE FROM missed WHERE until < ? RETURNING user_id", now).toArray()) missed.delete(String(row.user_id));
    }
    if (!missed.delete(userId)) return null;
    const [row] = this.sql.exec("DELETE FROM missed WHERE user_id = ? RETURNING frame, until", userId).toArray();
    return row && typeof row.until === "number" && row.until >= now ? String(row.frame) : null;
  }

  /** Everyone waiting and not in the middle of a match. */
  free(limit = 10_000): QueueRow[] {
    const out: QueueRow[] = [];
    for (const row of this.queue().values()) {
      if (out.length >= limit) break;
      if (row.heldAt === null) out.push(row);
    }
    return out;
  }

  /** Takes a free visit out of play; false if it is gone, replaced or already held. */
  hold(userId: string, ticket: string, now: number): boolean {
    const row = this.get(userId, ticket);
    if (!row || row.heldAt !== null) return false;
    this.sql.exec("UPDATE queue SET held_at = ? WHERE user_id = ? AND ticket = ?", now, userId, ticket);
    this.queue().set(userId, { ...row, heldAt: now });
    return true;
  }

  release(userId: string, ticket: string): void {
    this.changed();
    const row = this.get(userId, ticket);
    if (!row) return;
    this.sql.exec("UPDATE queue SET held_at = NULL WHERE user_id = ? AND ticket = ?", userId, ticket);
    this.queue().set(userId, { ...row, heldAt: null });
  }

  /** Holds whose completer vanished (a crashed hub, an evicted object) go back to waiting. */
  releaseHeldBefore(cutoff: number): number {
    const stale = [...this.queue().values()].filter((row) => row.heldAt !== null && row.heldAt < cutoff);
    if (stale.length === 0) return 0;
    this.sql.exec("UPDATE queue SET held_at = NULL WHERE held_at IS NOT NULL AND held_at < ?", cutoff);
    for (const row of stale) this.queue().set(row.userId, { ...row, heldAt: null });
    this.changed();
    return stale.length;
  }

  /** The set of free people changed since the hub last heard (holds excepted: the hub made them). */
  private changed(): void {
    this.setNumber("offersChanged", 1);
  }

  /** The earliest moment a free topic-chooser starts accepting anyone, if still ahead. */
  nextFallback(now: number, fallbackMs: number): number | null {
    let since = Infinity;
    for (const row of this.queue().values()) {
      if (row.heldAt === null && row.topic !== null && row.since > now - fallbackMs) since = Math.min(since, row.since);
    }
    return since === Infinity ? null : since + fallbackMs;
  }

  oldestHold(): number | null {
    let at = Infinity;
    for (const row of this.queue().values()) if (row.heldAt !== null) at = Math.min(at, row.heldAt);
    return at === Infinity ? null : at;
  }

  count(): number {
    return this.queue().size;
  }

  recordMatch(now: number): void {
    this.sql.exec("INSERT INTO matches (at) VALUES (?)", now);
    if (this.matchCount !== null) this.matchCount++;
  }

  /** Matches since `cutoff` (within SWEEP_MS: older ones are forgotten in sweeps). */
  recentMatches(cutoff: number): number {
    this.matchCount ??= Number(this.sql.exec("SELECT count(*) AS n FROM matches").one().n);
    if (this.sweepDue("matches", cutoff)) this.matchCount -= this.sql.exec("DELETE FROM matches WHERE at < ? RETURNING 1", cutoff).toArray().length;
    return this.matchCount;
  }

  getNumber(key: string, fallback: number): number {
    let value = this.numbers.get(key);
    if (value === undefined) {
      const [row] = this.sql.exec("SELECT value FROM meta WHERE key = ?", key).toArray();
      value = typeof row?.value === "number" ? row.value : null;
      this.numbers.set(key, value);
    }
    return value ?? fallback;
  }

  /** Writes only a change: markers like "dirty" are set on almost every join. */
  setNumber(key: string, value: number): void {
    if (this.numbers.get(key) === value) return;
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value);
    this.numbers.set(key, value);
  }

  /** Only this object writes it: kept once read, since every join checks it (no read and parse per joiner). */
  private placementCache: Placement | null = null;

  placement(): Placement | null {
    if (this.placementCache) return this.placementCache;
    const [row] = this.sql.exec("SELECT value FROM meta WHERE key = 'placement'").toArray();
    if (!row) return null;
    const placement = typeof row.value === "string" ? parsePlacement(row.value) : null;
    if (!placement) logEvent("warn", "lobby.bad_rows", { table: "meta", key: "placement" });
    this.placementCache = placement;
    return placement;
  }

  setPlacement(p: Placement): void {
    const current = this.placement();
    if (current && current.pool === p.pool && current.shards === p.shards && current.index === p.index) return;
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('placement', ?)", JSON.stringify(p));
    this.placementCache = { ...p };
  }
}
