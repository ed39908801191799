// Reading the lobby's SQLite rows (shard queue, hub offers) back into values: each column is
// checked, so a row of the wrong shape (an older layout, a bad write) is skipped and logged
// instead of reaching the pairing rule as if it were a person.
import { logEvent } from "../log";
import type { Waiter } from "./pairing";
import type { Placement } from "./shards";

export type Row = Record<string, SqlStorageValue>;

/** Bits of the `flags` column: the person's standing (pairing.ts). */
const WATCH = 1;
const FRESH = 2;

export function flagsOf(w: Pick<Waiter, "watch" | "fresh">): number {
  return (w.watch ? WATCH : 0) | (w.fresh ? FRESH : 0);
}

/** The columns every waiting person has: user_id, topic, since, blocked (a JSON array of ids), flags. */
export function waiterColumns(r: Row): Waiter | null {
  const { user_id: userId, topic, since, blocked } = r;
  const flags = r.flags ?? 0;
  if (typeof userId !== "string" || userId.length === 0) return null;
  if (topic !== null && typeof topic !== "string") return null;
  if (typeof since !== "number" || typeof flags !== "number") return null;
  const ids = typeof blocked === "string" ? parseIdList(blocked) : null;
  if (ids === null) return null;
  const w: Waiter = { userId, topic, since, blocked: ids };
  if (flags & WATCH) w.watch = true;
  if (flags & FRESH) w.fresh = true;
  return w;
}

/** Adds a column to a table created by an older version of the object; a no-op once it is there. */
export function addColumn(sql: SqlStorage, table: string, column: string, definition: string): void {
  const has = sql.exec(`SELECT 1 FROM pragma_table_info('${table}') WHERE name = ?`, column).toArray().length > 0;
  if (!has) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
}

function parseIdList(json: string): string[] | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  return Array.isArray(value) && value.every((id) => typeof id === "string") ? (value as string[]) : null;
}

/** Maps rows with `map`, dropping (and logging once per read) the ones it refuses. */
export function mapRows<T>(rows: Row[], map: (r: Row) => T | null, table: string): T[] {
  const out: T[] = [];
  let bad = 0;
  for (const r of rows) {
    const value = map(r);
    if (value === null) bad++;
    else out.push(value);
  }
  if (bad > 0) logEvent("warn", "lobby.bad_rows", { table, rows: bad });
  return out;
}

export function parsePlacement(json: string): Placement | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { pool, shards, index } = value as Record<string, unknown>;
  if (typeof pool !== "string" || pool.length === 0) return null;
  if (typeof shards !== "number" || !Number.isInteger(shards) || shards < 1) return null;
  if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= shards) return null;
  return { pool, shards, index };
}
