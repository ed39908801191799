// Open-loop firing: every event has a time fixed before the run starts, and fires at that time
// whatever the server is doing. Latency is taken from the scheduled time, so a server that
// stalls the sender cannot hide its delay (no coordinated omission).
import { performance } from "node:perf_hooks";

/** Fires fire(i) for each i at times[i] (performance.now() ms, ascending). Resolves after the last. */
export function runSchedule(times: Float64Array, fire: (i: number) => void): Promise<void> {
  return new Promise((resolve) => {
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < times.length && times[next]! <= now) fire(next++);
      if (next >= times.length) return resolve();
      const wait = times[next]! - performance.now();
      // setTimeout wakes up to ~1 ms late: sleep until just before the event, then yield to
      // I/O in short hops, so the harness itself adds well under a millisecond.
      if (wait > 2) setTimeout(tick, Math.floor(wait - 1.5));
      else setImmediate(tick);
    };
    tick();
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until done() or the deadline; every wait in the harness is bounded. */
export async function waitUntil(done: () => boolean, timeoutMs: number, everyMs = 5): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}
