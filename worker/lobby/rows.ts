// Reading the lobby's SQLite rows (shard queue, hub offers) back into values: each column is
// checked, so a row of the wrong shape (an older layout, a bad write) is skipped and logged
// instead of reaching the pairing rule as if it were a person.
import { logEvent } from "../log";
import type { Waiter } from "./pairing";
import type { Placement } from "./shards";

export type Row = Record<string, SqlStorageValue>;

/** The columns every waiting person has: user_id, topic, since, blocked (a JSON array of ids). */
export function waiterColumns(r: Row): Waiter | null {
  const { user_id: userId, topic, since, blocked } = r;
  if (typeof userId !== "string" || userId.length === 0) return null;
  if (topic !== null && typeof topic !== "string") return null;
  if (typeof since !== "number") return null;
  const ids = typeof blocked === "string" ? parseIdList(blocked) : null;
  if (ids === null) return null;
  return { userId, topic, since, blocked: ids };
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
