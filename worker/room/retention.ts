// How long a room keeps messages it already copied to D1: RETENTION_DAYS, like D1 itself.
import { numberVar, type Env } from "../env";
import { dueAt, type Duty } from "./duty";
import type { RoomStore } from "./store";

const DAY_MS = 24 * 60 * 60 * 1000;

function retentionMs(env: Env): number {
  return numberVar(env.RETENTION_DAYS, 30) * DAY_MS;
}

export function pruneExpired(env: Env, store: RoomStore, now: number): void {
  const keep = retentionMs(env);
  if (keep > 0) store.pruneBefore(now - keep);
}

/** When the oldest message here falls out of retention, so an idle room still forgets it. */
export function retentionDeadline(env: Env, store: RoomStore): number | null {
  const keep = retentionMs(env);
  const oldest = store.oldestCopiedAt();
  return oldest === null || keep <= 0 ? null : oldest + keep;
}

/** Retention as an alarm duty: an idle room forgets what fell out of retention on time. */
export function retentionDuty(env: Env, store: RoomStore): Duty {
  return {
    run: (now) => pruneExpired(env, store, now),
    nextDue: () => dueAt(retentionDeadline(env, store)),
  };
}
