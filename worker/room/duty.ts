// The room's one alarm (alarm-clock.ts) serves every part that needs time: each says when it is
// next due and does what is due when the alarm fires. The alarm runs them in turn, then asks them.

/** When a duty is next due: at `at`, though an alarm already pending by `latest` serves as well. */
export interface Due {
  at: number;
  latest?: number;
}

export interface Duty {
  /** Does what is due by `now` (the alarm fired). */
  run(now: number): Promise<void> | void;
  /** When it is next due, asked after every duty ran; null when it has nothing pending. */
  nextDue(now: number): Due | null;
}

/** An exact deadline (null: none) as a Due. */
export function dueAt(at: number | null): Due | null {
  return at === null ? null : { at };
}

/** Runs every duty in order, then returns when the alarm should fire next (null: nothing pending). */
export async function runDuties(duties: readonly Duty[], now: number): Promise<Required<Due> | null> {
  for (const duty of duties) await duty.run(now);
  let at = Infinity;
  let latest = Infinity;
  for (const duty of duties) {
    const due = duty.nextDue(now);
    if (!due) continue;
    at = Math.min(at, due.at);
    latest = Math.min(latest, due.latest ?? due.at);
  }
  return at === Infinity ? null : { at: Math.max(now, at), latest: Math.max(now, latest) };
}
