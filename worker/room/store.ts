// The room's own durable state, in the Durable Object's SQLite. A message is acknowledged only
// once it is here; D1 receives a copy later, in batches.
import type { MessageRow } from "../db/schema";

/** "image_pending": a picture under the platform's check, seen by its sender only. */
export type StoredKind = "text" | "image" | "image_pending" | "recalled";

export interface StoredMessage {
  seq: number;
  id: string;
  sender: string;
  clientId: string;
  body: string;
  at: number;
  /** Delivered under review ("review") or without the platform check ("unchecked"); admins see these. */
  flag: "review" | "unchecked" | null;
  /** Text, a picture (body: its image id) or a recalled message (body emptied). */
  kind: StoredKind;
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

// One row and one b-tree entry per message: the rowid (seq). Retries are recognised from memory
// over a bounded recent window (RETRY_WINDOW messages), read from the rowid range on wake-up, so
// no index on clientId is written per message. What D1 already has is one number in meta
// ("copied_through"), since copies go in seq order: no per-message flag to update, no index on it.
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS messages (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL,
     sender TEXT NOT NULL,
     client_id TEXT NOT NULL,
     body TEXT NOT NULL,
     at INTEGER NOT NULL,
     flag TEXT,
     kind TEXT
   )`,
  // Rooms from before the retry window had a unique index on (sender, client_id).
  `DROP INDEX IF EXISTS messages_client`,
  `CREATE TABLE IF NOT EXISTS members (
     user_id TEXT PRIMARY KEY,
     joined_at INTEGER NOT NULL,
     left_at INTEGER,
     away_until INTEGER
   )`,
];

/**
 * Rooms created before copied_through kept a `copied` flag per message and an index on it: carry
 * the flag over once and drop the index, so old rooms also write one small row per message.
 */
function upgradeCopiedFlag(sql: SqlStorage): void {
  const hasFlag = sql.exec("SELECT 1 FROM pragma_table_info('messages') WHERE name = 'copied'").toArray().length > 0;
  if (!hasFlag) return;
  if (sql.exec("SELECT 1 FROM meta WHERE key = 'copied_through'").toArray().length === 0) {
    const row = sql.exec("SELECT coalesce((SELECT min(seq) - 1 FROM messages WHERE copied = 0), (SELECT max(seq) FROM messages), 0) AS n").one();
    sql.exec("INSERT INTO meta (key, value) VALUES ('copied_through', ?)", String(row.n));
  }
  sql.exec("DROP INDEX IF EXISTS messages_uncopied");
}

/** Rooms created before pictures and recall have no kind column: add it (null reads as text). */
function upgradeKind(sql: SqlStorage): void {
  const hasKind = sql.exec("SELECT 1 FROM pragma_table_info('messages') WHERE name = 'kind'").toArray().length > 0;
  if (!hasKind) sql.exec("ALTER TABLE messages ADD COLUMN kind TEXT");
}

const KINDS: readonly StoredKind[] = ["text", "image", "image_pending", "recalled"];

/**
 * A retry (same sender and clientId) is recognised while fewer than this many messages were
 * stored in the room after the original. A client retries only what it has not seen acked, after
 * reading the history since its last seq (which carries its own clientIds), so a retry never
 * trails its original by anything near this.
 */
export const RETRY_WINDOW = 5000;

const clientKey = (sender: string, clientId: string) => `${sender}\n${clientId}`;

function toMessage(row: Row): StoredMessage {
  return {
    seq: Number(row.seq),
    id: String(row.id),
    sender: String(row.sender),
    clientId: String(row.client_id),
    body: String(row.body),
    at: Number(row.at),
    flag: row.flag === "review" || row.flag === "unchecked" ? row.flag : null,
    kind: KINDS.includes(row.kind as StoredKind) ? (row.kind as StoredKind) : "text",
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

  /** Seq of the last message D1 is known to hold; cached like nextSeq. */
  private copiedThroughCache: number | null = null;
  private copyFailuresCache: number | null = null;
  /**
   * (sender, clientId) → seq of the messages in the retry window, read once per wake-up; entries
   * for rows deleted since may linger (the seq lookup then finds nothing). Undefined until loaded.
   */
  private recentClients: Map<string, number> | undefined;
  /** Rows this object wrote since it woke (SQLite's own count, indexes included): the bench reads it. */
  rowsWritten = 0;

  constructor(private readonly sql: SqlStorage) {
    for (const statement of SCHEMA) sql.exec(statement);
    upgradeCopiedFlag(sql);
    upgradeKind(sql);
  }

  private write(query: string, ...bindings: SqlStorageValue[]): number {
    const written = this.sql.exec(query, ...bindings).rowsWritten;
    this.rowsWritten += written;
    return written;
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
    this.write("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
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
    this.forgetVerdicts();
  }

  /** Picture verdicts kept for a sender's resume (room/resume.ts) name the sender: they go with the history. */
  private forgetVerdicts(): void {
    this.write("DELETE FROM meta WHERE substr(key, 1, 8) = 'verdict:'");
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

  private clientWindow(): Map<string, number> {
    if (this.recentClients === undefined) {
      const from = this.nextSeq() - 1 - RETRY_WINDOW;
      this.recentClients = new Map(
        this.sql
          .exec("SELECT seq, sender, client_id FROM messages WHERE seq > ? ORDER BY seq", from)
          .toArray()
          .map((r) => [clientKey(String(r.sender), String(r.client_id)), Number(r.seq)]),
      );
    }
    return this.recentClients;
  }

  /** The stored message this send repeats (same sender and clientId within RETRY_WINDOW), if any. */
  findByClientId(sender: string, clientId: string): StoredMessage | null {
    const seq = this.clientWindow().get(clientKey(sender, clientId));
    if (seq === undefined || seq <= this.nextSeq() - 1 - RETRY_WINDOW) return null;
    const row = this.sql.exec("SELECT * FROM messages WHERE seq = ?", seq).toArray()[0];
    return row && row.sender === sender && row.client_id === clientId ? toMessage(row) : null;
  }

  /** Keeps the window's map near its bound; entries are in seq order, so the oldest go first. */
  private rememberClient(key: string, seq: number): void {
    const window = this.recentClients;
    if (!window) return;
    window.delete(key);
    window.set(key, seq);
    if (window.size <= 2 * RETRY_WINDOW) return;
    const floor = seq - RETRY_WINDOW;
    for (const [k, s] of window) {
      if (s > floor) break;
      window.delete(k);
    }
  }

  /** Assigns the next seq and stores the message; synchronous, so no other send can interleave. */
  append(draft: Omit<StoredMessage, "seq" | "kind"> & { kind?: StoredKind }): StoredMessage {
    const input = { ...draft, kind: draft.kind ?? "text" };
    const seq = this.nextSeq();
    this.write(
      "INSERT INTO messages (seq, id, sender, client_id, body, at, flag, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      seq,
      input.id,
      input.sender,
      input.clientId,
      input.body,
      input.at,
      input.flag,
      input.kind === "text" ? null : input.kind,
    );
    this.nextSeqCache = seq + 1;
    this.rememberClient(clientKey(input.sender, input.clientId), seq);
    return { ...input, seq };
  }

  findById(id: string): StoredMessage | null {
    const row = this.sql.exec("SELECT * FROM messages WHERE id = ?", id).toArray()[0];
    return row ? toMessage(row) : null;
  }

  /** Changes one message's kind and body in place (a picture passing its check, a recall). */
  rewrite(id: string, kind: StoredKind, body: string): void {
    this.write("UPDATE messages SET kind = ?, body = ? WHERE id = ?", kind === "text" ? null : kind, body, id);
  }

  /** The message carrying picture `imageId`, if this room has one. */
  findByImage(imageId: string): StoredMessage | null {
    const row = this.sql
      .exec("SELECT * FROM messages WHERE kind IN ('image', 'image_pending') AND json_extract(body, '$.id') = ? LIMIT 1", imageId)
      .toArray()[0];
    return row ? toMessage(row) : null;
  }

  /** Meta entries whose key starts with `prefix` (key without the prefix → value). */
  metaWithPrefix(prefix: string): { key: string; value: string }[] {
    return this.sql
      .exec("SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?", prefix.length, prefix)
      .toArray()
      .map((r) => ({ key: String(r.key).slice(prefix.length), value: String(r.value) }));
  }

  /** Removes one message (a picture that failed its check); its seq is never handed out again. */
  deleteById(id: string): void {
    this.pinNextSeq();
    this.write("DELETE FROM messages WHERE id = ?", id);
  }

  /** The newest `limit` messages with seq above `floor` (a viewer's hidden mark), oldest first. */
  latest(limit: number, floor = 0): StoredMessage[] {
    return this.sql
      .exec("SELECT * FROM messages WHERE seq > ? ORDER BY seq DESC LIMIT ?", floor, limit)
      .toArray()
      .map(toMessage)
      .reverse();
  }

  /** When the newest message with seq ≤ `seq` was sent (null: none). */
  sentAtOrBefore(seq: number): number | null {
    const row = this.sql.exec("SELECT at FROM messages WHERE seq <= ? ORDER BY seq DESC LIMIT 1", seq).toArray()[0];
    return row ? Number(row.at) : null;
  }

  /**
   * Recalled messages with seq in (floor, upTo] sent at or after `since`, oldest first: what a
   * resume at `upTo` may have missed (a recall comes within minutes of its send).
   */
  recalledSince(floor: number, upTo: number, since: number): StoredMessage[] {
    // Newest first, stopping at the first message older than `since` (times grow with seq), so a
    // resume reads only the last minutes of a long history.
    const found: StoredMessage[] = [];
    for (const row of this.sql.exec("SELECT * FROM messages WHERE seq > ? AND seq <= ? ORDER BY seq DESC", floor, upTo)) {
      const m = toMessage(row);
      if (m.at < since) break;
      if (m.kind === "recalled") found.push(m);
    }
    return found.reverse();
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
    return Number(this.sql.exec("SELECT count(*) AS n FROM messages WHERE seq > ? AND seq <= ?", Math.max(after, this.copiedThrough()), upTo).one().n);
  }

  /** Seq of the last message D1 holds (copies go in seq order). */
  copiedThrough(): number {
    if (this.copiedThroughCache === null) {
      const row = this.sql.exec("SELECT value FROM meta WHERE key = 'copied_through'").toArray()[0];
      this.copiedThroughCache = row ? Number(row.value) : 0;
    }
    return this.copiedThroughCache;
  }

  uncopied(limit: number): StoredMessage[] {
    return this.sql
      .exec("SELECT * FROM messages WHERE seq > ? ORDER BY seq LIMIT ?", this.copiedThrough(), limit)
      .toArray()
      .map(toMessage);
  }

  hasUncopied(): boolean {
    return this.sql.exec("SELECT 1 FROM messages WHERE seq > ? LIMIT 1", this.copiedThrough()).toArray().length > 0;
  }

  /** D1 holds every message up to `seq`: one meta row per copy, not one update per message. */
  markCopiedThrough(seq: number): void {
    if (seq <= this.copiedThrough()) return;
    this.write(
      "INSERT INTO meta (key, value) VALUES ('copied_through', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      String(seq),
    );
    this.copiedThroughCache = seq;
  }

  /** Failed copies in a row (kept in meta so the backoff survives eviction); 0 when healthy. */
  copyFailures(): number {
    if (this.copyFailuresCache === null) {
      const row = this.sql.exec("SELECT value FROM meta WHERE key = 'copy_failures'").toArray()[0];
      this.copyFailuresCache = row ? Number(row.value) : 0;
    }
    return this.copyFailuresCache;
  }

  setCopyFailures(n: number): void {
    this.write(
      "INSERT INTO meta (key, value) VALUES ('copy_failures', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      String(n),
    );
    this.copyFailuresCache = n;
  }

  /** Deletes every message; returns how many had not reached D1 yet (those D1 cannot count). */
  eraseAll(): number {
    const pending = Number(this.sql.exec("SELECT count(*) AS n FROM messages WHERE seq > ?", this.copiedThrough()).one().n);
    const next = this.nextSeq();
    this.pinNextSeq();
    this.write("DELETE FROM messages");
    this.forgetVerdicts();
    this.recentClients = new Map();
    // Nothing below next is left to copy.
    this.markCopiedThrough(next - 1);
    return pending;
  }

  /** Deletes messages up to `seq` (both participants hid them); returns how many had not reached D1. */
  eraseThrough(seq: number): number {
    const pending = Number(this.sql.exec("SELECT count(*) AS n FROM messages WHERE seq <= ? AND seq > ?", seq, this.copiedThrough()).one().n);
    this.pinNextSeq();
    this.write("DELETE FROM messages WHERE seq <= ?", seq);
    return pending;
  }

  /** Keeps the next seq in meta before rows that define it go, so no seq is ever handed out twice. */
  private pinNextSeq(): void {
    this.setMetaValue("next_seq", String(this.nextSeq()));
  }

  /** The oldest message retention may remove (only what D1 already has). */
  oldestCopiedAt(): number | null {
    // Seq order is time order, so the first row is the oldest: no scan.
    const row = this.sql.exec("SELECT at FROM messages WHERE seq <= ? ORDER BY seq LIMIT 1", this.copiedThrough()).toArray()[0];
    return row ? Number(row.at) : null;
  }

  /** Retention: drops messages older than `before` that D1 already has (D1 runs its own retention). */
  pruneBefore(before: number): number {
    // Only when the oldest is due, so a busy room's alarm does not scan its history each time.
    const oldest = this.oldestCopiedAt();
    if (oldest === null || oldest >= before) return 0;
    const next = this.nextSeq();
    const pruned = this.write("DELETE FROM messages WHERE seq <= ? AND at < ?", this.copiedThrough(), before);
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
  return { id: m.id, conversationId, senderId: m.sender, body: m.body, seq: m.seq, createdAt: m.at, kind: m.kind === "text" ? null : m.kind };
}
