// What a lobby shard needs to know about the people joining it, for many joiners in one D1
// round trip: whether each may play (exists, not banned, 18+ confirmed, matching not suspended) and
// whom each must not meet now (blocks, and partners just met who did not keep in touch), and each
// one's standing (under watch; never matched yet).
import type { UserRow } from "./schema";

export interface JoinerProfile {
  user: Pick<UserRow, "id" | "platform" | "bannedAt" | "lastSeenAt" | "adultConfirmedAt" | "matchingSuspendedAt"> | null;
  /** Ids not to pair with now: whoever blocked whom, and partners matched since `since.rematch` (unless kept). */
  blocked: string[];
  /** An upheld report, or a lifted suspension, since `since.watch`. */
  watch: boolean;
  /** Never matched with anyone. */
  fresh: boolean;
}

/** The cut-offs of the two time windows, in ms since the epoch. */
export interface JoinWindows {
  rematch: number;
  watch: number;
}

// D1 allows 100 bound parameters per statement: the users query binds its two window times besides
// the ids, the block query names each id twice, the recent-partners query twice plus two times.
const D1_MAX_PARAMS = 100;
const USERS_PER_STATEMENT = D1_MAX_PARAMS - 2;
const BLOCKS_PER_STATEMENT = D1_MAX_PARAMS / 2;
const RECENT_PER_STATEMENT = (D1_MAX_PARAMS - 2) / 2;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");

export async function loadJoiners(
  d1: D1Database,
  userIds: readonly string[],
  since: JoinWindows,
): Promise<Map<string, JoinerProfile>> {
  const ids = [...new Set(userIds)];
  const userStatements = chunks(ids, USERS_PER_STATEMENT).map((chunk) =>
    d1
      .prepare(
        `SELECT id, platform, banned_at, last_seen_at, adult_confirmed_at, matching_suspended_at,
          (coalesce(matching_resumed_at, 0) >= ?
           OR EXISTS (SELECT 1 FROM reports r WHERE r.reported_id = users.id AND r.handled_action IN ('ban', 'delete_history') AND r.handled_at >= ?)) AS watch,
          (EXISTS (SELECT 1 FROM conversations c WHERE c.user_a = users.id)
           OR EXISTS (SELECT 1 FROM conversations c WHERE c.user_b = users.id)) AS met
        FROM users WHERE id IN (${marks(chunk.length)}) AND erased_at IS NULL`,
      )
      .bind(since.watch, since.watch, ...chunk),
  );
  // Partners just met, unless the two keep in touch: the same veto path as blocks.
  const recentStatements = chunks(ids, RECENT_PER_STATEMENT).map((chunk) =>
    d1
      .prepare(
        `SELECT user_a, user_b FROM conversations c WHERE user_a IN (${marks(chunk.length)}) AND last_matched_at >= ?
           AND NOT EXISTS (SELECT 1 FROM kept_chats k WHERE k.conversation_id = c.id)
         UNION SELECT user_a, user_b FROM conversations c WHERE user_b IN (${marks(chunk.length)}) AND last_matched_at >= ?
           AND NOT EXISTS (SELECT 1 FROM kept_chats k WHERE k.conversation_id = c.id)`,
      )
      .bind(...chunk, since.rematch, ...chunk, since.rematch),
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
  const results = await d1.batch([...userStatements, ...blockStatements, ...recentStatements]);
  const out = new Map<string, JoinerProfile>(ids.map((id) => [id, { user: null, blocked: [], watch: false, fresh: false }]));
  for (const r of results.slice(0, userStatements.length)) {
    type Row = {
      id: string;
      platform: UserRow["platform"];
      banned_at: number | null;
      last_seen_at: number;
      adult_confirmed_at: number | null;
      matching_suspended_at: number | null;
      watch: number;
      met: number;
    };
    for (const row of r.results as Row[]) {
      const profile = out.get(row.id)!;
      profile.watch = row.watch === 1;
      profile.fresh = row.met !== 1;
      profile.user = {
        id: row.id,
        platform: row.platform,
        bannedAt: row.banned_at,
        lastSeenAt: row.last_seen_at,
        adultConfirmedAt: row.adult_confirmed_at,
        matchingSuspendedAt: row.matching_suspended_at,
      };
    }
  }
  for (const r of results.slice(userStatements.length, userStatements.length + blockStatements.length)) {
    for (const row of r.results as { blocker_id: string; blocked_id: string }[]) {
      out.get(row.blocker_id)?.blocked.push(row.blocked_id);
      out.get(row.blocked_id)?.blocked.push(row.blocker_id);
    }
  }
  for (const r of results.slice(userStatements.length + blockStatements.length)) {
    for (const row of r.results as { user_a: string; user_b: string }[]) {
      out.get(row.user_a)?.blocked.push(row.user_b);
      out.get(row.user_b)?.blocked.push(row.user_a);
    }
  }
  for (const profile of out.values()) profile.blocked = [...new Set(profile.blocked)];
  return out;
}
