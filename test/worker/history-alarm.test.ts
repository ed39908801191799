import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../worker/env";
import { AlarmClock } from "../../worker/room/alarm-clock";
import { HistoryCopy } from "../../worker/history/copy";
import type { Room } from "../../worker/room/room";
import type { RoomStore } from "../../worker/room/store";
import { enter, pair, sendAndAck } from "./helpers";

// When the room's copy alarm is set (history/copy.ts, room/alarm-clock.ts): every setAlarm is a storage
// write, and one that moves the alarm earlier also updates the alarm scheduler before the commit
// that carries the acks. A busy room must not move it message after message.

function setup(failures = 0) {
  const sets: number[] = [];
  const storage = { getAlarm: async () => null, setAlarm: async (at: number) => void sets.push(at) } as unknown as DurableObjectStorage;
  const clock = new AlarmClock(storage);
  const store = { copyFailures: () => failures, hasUncopied: () => true } as unknown as RoomStore;
  const copy = new HistoryCopy({ D1_FLUSH_DELAY_MS: "1000" } as unknown as Env, store, clock);
  return { sets, clock, copy };
}

/** Lets the clock read the stored alarm back (its first schedule after a wake-up). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the copy alarm", () => {
  it("is set once for a burst of sends, however the jitter falls", async () => {
    const { sets, copy } = setup();
    const random = vi.spyOn(Math, "random").mockReturnValue(0.999);
    copy.scheduleAfterAppend(0);
    await settle();
    expect(sets).toEqual([1499]);
    // Later sends draw the smallest delay: each would land before the pending alarm.
    random.mockReturnValue(0);
    for (let t = 10; t <= 490; t += 10) copy.scheduleAfterAppend(t);
    expect(sets).toEqual([1499]);
  });

  it("is set again once the pending alarm has fired", async () => {
    const { sets, clock, copy } = setup();
    vi.spyOn(Math, "random").mockReturnValue(0);
    copy.scheduleAfterAppend(0);
    await settle();
    clock.fired();
    copy.scheduleAfterAppend(1000);
    expect(sets).toEqual([1000, 2000]);
  });

  it("after an alarm, keeps an alarm a send set during the copy, within the window", async () => {
    const { sets, clock, copy } = setup();
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    copy.scheduleAfterAppend(300); // a send while the alarm's copy was in flight
    await settle();
    expect(sets).toEqual([1799]);
    vi.spyOn(Math, "random").mockReturnValue(0);
    const next = copy.nextWindow(0)!;
    expect(next.at).toBe(1000);
    clock.schedule(next.at, next.latest);
    expect(sets).toEqual([1799]);
  });

  it("still moves earlier for an exact deadline (a grace period)", async () => {
    const { sets, clock, copy } = setup();
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    copy.scheduleAfterAppend(0);
    await settle();
    clock.schedule(1200);
    expect(sets).toEqual([1499, 1200]);
  });

  it("keeps a failing copy's backoff: a send does not pull the retry forward", async () => {
    const { sets, copy } = setup(3);
    copy.scheduleAfterAppend(0);
    await settle();
    copy.scheduleAfterAppend(100);
    expect(sets).toEqual([4000]);
  });

  it("keeps a busy room's copy cadence after an alarm that copied everything, and lets a quiet room rest", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    await sendAndAck(a.ws, "first");
    const [afterCopy, afterQuiet] = await runInDurableObject(p.stub, async (room: Room, state) => {
      // Alarms from this test only (D1_FLUSH_DELAY_MS is 50 in tests): one more message, then two alarms.
      await state.storage.deleteAlarm();
      const store = (room as unknown as { store: RoomStore }).store;
      store.append({ id: "busy-1", sender: p.alice.user.id, clientId: "busy-1", body: "busy", at: Date.now(), flag: null });
      await room.alarm(); // copies both messages
      const first = (await state.storage.getAlarm())! - Date.now();
      await room.alarm(); // finds nothing new
      return [first, (await state.storage.getAlarm())! - Date.now()];
    });
    // Within the copy window, not at the retention deadline that the next send would pull back.
    expect(afterCopy).toBeLessThan(60_000);
    expect(afterQuiet).toBeGreaterThan(24 * 60 * 60 * 1000);
    a.ws.close();
  });
});
