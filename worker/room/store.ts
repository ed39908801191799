// The room's own durable state, in the Durable Object's SQLite. A message is acknowledged only
// once it is here; D1 receives a copy later, in batches.
import type { MessageRow } from "../db/schema";

export interface StoredMessage {
  seq: number;
  id: string;
  sender: string;
  clientId: string;
  body: string;
  at: number;
  /** Delivered under review ("review") or without the platform check ("unchecked"); admins see these. */
  flag: "review" | "unchecked" | null;
}

export interface Member {
  userId: string;
  /** When this user's current meeting began (a connect without `after`). */
  joinedAt: number;
  /** When they left (leave frame, grace expired, removed); null while in the room. */
  leftAt: number | null;
  /** While disconnected without leaving: when the grace period ends. */
  awayUntil: number | null;
}

export interface RoomMeta {
  conversationId: string;
  userA: string;
  userB: string;
}

type Row = Record<string, SqlStorageValue>;

/** Meta key of a user's room-connect limit state. */
export const connectsKey = (userId: string) => `connects:${userId}`;

/** Stands in for an erased user's id in the pair, so the room keeps no trace of who it was. */
export const ERASED_USER = "erased";

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS messages (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     sender TEXT NOT NULL,
     client_id TEXT NOT NULL,
     body TEXT NOT NULL,
     at INTEGER NOT NULL,
     flag TEXT,
     copied INTEGER NOT NULL DEFAULT 0
   )`,
  `CREATE UNIQUE INDEX IF NOT EXISTS messages_client ON messages (sender, client_id)`,
  `CREATE INDEX IF NOT EXISTS messages_uncopied ON messages (seq) WHERE copied = 0`,
  `CREATE TABLE IF NOT EXISTS members (
     user_id TEXT PRIMARY KEY,
     joined_at INTEGER NOT NULL,
     left_at INTEGER,
     away_until INTEGER
   )`,
];

function toMessage(row: Row): StoredMessage {
  return {
    seq: Number(row.seq),
    id: String(row.id),
    sender: String(row.sender),
    clientId: String(row.client_id),
    body: String(row.body),
    at: Number(row.at),
    flag: row.flag === "review" || row.flag === "unchecked" ? row.flag : null,
  };
}

function toMember(row: Row): Member {
  return {
    userId: String(row.user_id),
    joinedAt: Number(row.joined_at),
    leftAt: row.left_at === null ? null : Number(row.left_at),
    awayUntil: row.away_until === null ? null : Number(row.away_until),
  };
}

export class RoomStore {
  /** Cached because every send needs it; always re-derivable from storage. */
  private nextSeqCache: number | null = null;
  /** The pair never changes once set, so it is read from storage at most once per wake-up. */
  private metaCache: RoomMeta | null = null;
  /** Checked on every send; it only ever turns true, through endAndForget. */
  private endedCache: boolean | null = null;

  constructor(private readonly sql: SqlStorage) {
    for (const statement of SCHEMA) sql.exec(statement);
  }

  // --- meta -----------------------------------------------------------------

  meta(): RoomMeta | null {
    if (this.metaCache) return this.metaCache;
    const rows = this.sql.exec("SELECT key, value FROM meta WHERE key IN ('conversation_id', 'user_a', 'user_b')").toArray();
    const map = new Map(rows.map((r) => [String(r.key), String(r.value)]));
    const conversationId = map.get("conversation_id");
    const userA = map.get("user_a");
    const userB = map.get("user_b");
    this.metaCache = conversationId && userA && userB ? { conversationId, userA, userB } : null;
    return this.metaCache;
  }

  setMeta(meta: RoomMeta): void {
    this.metaCache = meta;
    for (const [key, value] of [
      ["conversation_id", meta.conversationId],
      ["user_a", meta.userA],
      ["user_b", meta.userB],
    ]) {
      this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
    }
  }

  /** One meta value (room-level facts that are not messages: limits, hidden marks, the end). */
  metaValue(key: string): string | null {
    const row = this.sql.exec("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row ? String(row.value) : null;
  }

  setMetaValue(key: string, value: string): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  deleteMetaValue(key: string): void {
    this.sql.exec("DELETE FROM meta WHERE key = ?", key);
  }

  /** Set once the conversation was erased (a participant erased themselves): nothing is stored after. */
  ended(): boolean {
    this.endedCache ??= this.metaValue("ended") !== null;
    return this.endedCache;
  }

  /**
   * Ends the room for good and forgets `userId`: their place in the pair becomes a placeholder,
   * their member row and their limit state go.
   */
  endAndForget(userId: string, at: number): void {
    const meta = this.meta();
    this.setMetaValue("ended", String(at));
    this.endedCache = true;
    if (meta) {
      const forgotten = {
        conversationId: meta.conversationId,
        userA: meta.userA === userId ? ERASED_USER : meta.userA,
        userB: meta.userB === userId ? ERASED_USER : meta.userB,
      };
      this.setMeta(forgotten);
    }
    this.sql.exec("DELETE FROM members WHERE user_id = ?", userId);
    this.deleteMetaValue(connectsKey(userId));
  }

  /**
   * Seq keeps growing even after history is erased, so clients never see a seq reused: it is
   * max(seq) + 1, or the value pinned in meta when the rows that defined it were erased.
   */
  nextSeq(): number {
    if (this.nextSeqCache === null) {
      const stored = this.sql.exec("SELECT value FROM meta WHERE key = 'next_seq'").toArray()[0];
      const maxRow = this.sql.exec("SELECT coalesce(max(seq), 0) AS max FROM messages").one();
      this.nextSeqCache = Math.max(stored ? Number(stored.value) : 1, Number(maxRow.max) + 1);
    }
    return this.nextSeqCache;
  }

  // --- messages -------------------------------------------------------------

  findByClientId(sender: string, clientId: string): StoredMessage | null {
    const row = this.sql.exec("SELECT * FROM messages WHERE sender = ? AND client_id = ?", sender, clientId).toArray()[0];
    return row ? toMessage(row) : null;
  }

  /** Assigns the next seq and stores the message; synchronous, so no other send can interleave. */
  append(input: Omit<StoredMessage, "seq">): StoredMessage {
    const seq = this.nextSeq();
    this.sql.exec(
      "INSERT INTO messages (seq, id, sender, client_id, body, at, flag) VALUES (?, ?, ?, ?, ?, ?, ?)",
      seq,
      input.id,
      input.sender,
      input.clientId,
      input.body,
      input.at,
      input.flag,
    );
    this.nextSeqCache = seq + 1;
    return { ...input, seq };
  }

  /** The newest `limit` messages with seq above `floor` (a viewer's hidden mark), oldest first. */
  latest(limit: number, floor = 0): StoredMessage[] {
    return this.sql
      .exec("SELECT * FROM messages WHERE seq > ? ORDER BY seq DESC LIMIT ?", floor, limit)
      .toArray()
      .map(toMessage)
      .reverse();
  }

  /** Up to `limit` messages with seq above `after`, oldest first; `more` when newer ones remain. */
  page(after: number, limit: number): { messages: StoredMessage[]; more: boolean } {
    const rows = this.sql.exec("SELECT * FROM messages WHERE seq > ? ORDER BY seq LIMIT ?", after, limit + 1).toArray();
    return { messages: rows.slice(0, limit).map(toMessage), more: rows.length > limit };
  }

  /** When `sender`'s last `limit` messages since `since` were stored, oldest first (rebuilds a rate limit). */
  sendTimes(sender: string, since: number, limit: number): number[] {
    return this.sql
      .exec("SELECT at FROM messages WHERE sender = ? AND at >= ? ORDER BY seq DESC LIMIT ?", sender, since, limit)
      .toArray()
      .map((r) => Number(r.at))
      .reverse();
  }

  /** Messages with seq in (after, upTo] that D1 does not have yet. */
  countUncopiedBetween(after: number, upTo: number): number {
    return Number(this.sql.exec("SELECT count(*) AS n FROM messages WHERE seq > ? AND seq <= ? AND copied = 0", after, upTo).one().n);
  }

  uncopied(limit: number): StoredMessage[] {
    return this.sql
      .exec("SELECT * FROM messages WHERE copied = 0 ORDER BY seq LIMIT ?", limit)
      .toArray()
      .map(toMessage);
  }

  hasUncopied(): boolean {
    return this.sql.exec("SELECT 1 FROM messages WHERE copied = 0 LIMIT 1").toArray().length > 0;
  }

  markCopied(seqs: number[]): void {
    // One statement per chunk keeps the bound-parameter count small.
    for (let i = 0; i < seqs.length; i += 90) {
      const chunk = seqs.slice(i, i + 90);
      this.sql.exec(`UPDATE messages SET copied = 1 WHERE seq IN (${chunk.map(() => "?").join(",")})`, ...chunk);
    }
  }

  /** Deletes every message; returns how many had not reached D1 yet (those D1 cannot count). */
  eraseAll(): number {
    const pending = Number(this.sql.exec("SELECT count(*) AS n FROM messages WHERE copied = 0").one().n);
    this.pinNextSeq();
    this.sql.exec("DELETE FROM messages");
    return pending;
  }

  /** Deletes messages up to `seq` (both participants hid them); returns how many had not reached D1. */
  eraseThrough(seq: number): number {
    const pending = Number(this.sql.exec("SELECT count(*) AS n FROM messages WHERE seq <= ? AND copied = 0", seq).one().n);
    this.pinNextSeq();
    this.sql.exec("DELETE FROM messages WHERE seq <= ?", seq);
    return pending;
  }

  /** Keeps the next seq in meta before rows that define it go, so no seq is ever handed out twice. */
  private pinNextSeq(): void {
    this.setMetaValue("next_seq", String(this.nextSeq()));
  }

  /** The oldest message retention may remove (only what D1 already has). */
  oldestCopiedAt(): number | null {
    const row = this.sql.exec("SELECT min(at) AS at FROM messages WHERE copied = 1").one();
    return row.at === null ? null : Number(row.at);
  }

  /** Retention: drops messages older than `before` that D1 already has (D1 runs its own retention). */
  pruneBefore(before: number): number {
    const next = this.nextSeq();
    const pruned = this.sql.exec("DELETE FROM messages WHERE at < ? AND copied = 1", before).rowsWritten;
    // The newest message may have gone with them: keep the sequence where it was.
    if (pruned > 0) this.setMetaValue("next_seq", String(next));
    return pruned;
  }

  // --- members --------------------------------------------------------------

  member(userId: string): Member | null {
    const row = this.sql.exec("SELECT * FROM members WHERE user_id = ?", userId).toArray()[0];
    return row ? toMember(row) : null;
  }

  /** A connect: a fresh meeting resets joinedAt; a resume keeps it. Either way the user is back. */
  arrive(userId: string, now: number, resume: boolean): Member {
    const existing = this.member(userId);
    const joinedAt = resume && existing ? existing.joinedAt : now;
    this.sql.exec(
      `INSERT INTO members (user_id, joined_at, left_at, away_until) VALUES (?, ?, NULL, NULL)
       ON CONFLICT (user_id) DO UPDATE SET joined_at = excluded.joined_at, left_at = NULL, away_until = NULL`,
      userId,
      joinedAt,
    );
    return { userId, joinedAt, leftAt: null, awayUntil: null };
  }

  markAway(userId: string, until: number): void {
    this.sql.exec("UPDATE members SET away_until = ? WHERE user_id = ? AND left_at IS NULL", until, userId);
  }

  markLeft(userId: string, at: number): void {
    this.sql.exec("UPDATE members SET left_at = ?, away_until = NULL WHERE user_id = ?", at, userId);
  }

  /** Members whose grace period ended by `now`. */
  expiredAway(now: number): Member[] {
    return this.sql.exec("SELECT * FROM members WHERE away_until IS NOT NULL AND away_until <= ?", now).toArray().map(toMember);
  }

  nextAwayDeadline(): number | null {
    const row = this.sql.exec("SELECT min(away_until) AS at FROM members WHERE away_until IS NOT NULL").one();
    return row.at === null ? null : Number(row.at);
  }
}

/** The D1 row for a stored message. */
export function toD1Row(conversationId: string, m: StoredMessage): MessageRow {
  return { id: m.id, conversationId, senderId: m.sender, body: m.body, seq: m.seq, createdAt: m.at };
}
