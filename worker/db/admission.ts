// What a lobby shard needs to know about the people joining it, for many joiners in one D1
// round trip: whether each may play (exists, not banned, 18+ confirmed, matching not suspended) and
// whom each must never meet.
import type { UserRow } from "./schema";

export interface JoinerProfile {
  user: Pick<UserRow, "id" | "platform" | "bannedAt" | "lastSeenAt" | "adultConfirmedAt" | "matchingSuspendedAt"> | null;
  /** Ids never to pair with, whoever blocked whom. */
  blocked: string[];
}

// D1 allows 100 bound parameters per statement; the block query names each id twice.
const USERS_PER_STATEMENT = 100;
const BLOCKS_PER_STATEMENT = 50;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");

export async function loadJoiners(d1: D1Database, userIds: readonly string[]): Promise<Map<string, JoinerProfile>> {
  const ids = [...new Set(userIds)];
  const userStatements = chunks(ids, USERS_PER_STATEMENT).map((chunk) =>
    d1.prepare(`SELECT id, platform, banned_at, last_seen_at, adult_confirmed_at, matching_suspended_at FROM users WHERE id IN (${marks(chunk.length)}) AND erased_at IS NULL`).bind(...chunk),
  );
  // Two index lookups (the primary key and blocks_blocked), not an OR over the table.
  const blockStatements = chunks(ids, BLOCKS_PER_STATEMENT).map((chunk) =>
    d1
      .prepare(
        `SELECT blocker_id, blocked_id FROM blocks WHERE blocker_id IN (${marks(chunk.length)})
         UNION SELECT blocker_id, blocked_id FROM blocks WHERE blocked_id IN (${marks(chunk.length)})`,
      )
      .bind(...chunk, ...chunk),
  );
  const results = await d1.batch([...userStatements, ...blockStatements]);
  const out = new Map<string, JoinerProfile>(ids.map((id) => [id, { user: null, blocked: [] }]));
  for (const r of results.slice(0, userStatements.length)) {
    type Row = { id: string; platform: UserRow["platform"]; banned_at: number | null; last_seen_at: number; adult_confirmed_at: number | null; matching_suspended_at: number | null };
    for (const row of r.results as Row[]) {
      out.get(row.id)!.user = {
        id: row.id,
        platform: row.platform,
        bannedAt: row.banned_at,
        lastSeenAt: row.last_seen_at,
        adultConfirmedAt: row.adult_confirmed_at,
        matchingSuspendedAt: row.matching_suspended_at,
      };
    }
  }
  for (const r of results.slice(userStatements.length)) {
    for (const row of r.results as { blocker_id: string; blocked_id: string }[]) {
      out.get(row.blocker_id)?.blocked.push(row.blocked_id);
      out.get(row.blocked_id)?.blocked.push(row.blocker_id);
    }
  }
  for (const profile of out.values()) profile.blocked = [...new Set(profile.blocked)];
  return out;
}
