// The room's side of the copy to D1: what to hand over, to which writer, and how long to wait
// after a failure. The room's SQLite stays the record until a writer confirms the D1 commit.
import { numberVar, type Env } from "../env";
import { describeError } from "../errors";
import { logEvent } from "../log";
import type { AlarmClock } from "../room/alarm-clock";
import { toD1Row, type RoomMeta, type RoomStore } from "../room/store";
import { shardOf } from "./shards";
import { writerFor } from "./writers";

/** Messages per hand-off; a room with more pending hands them over in several. */
const COPY_BATCH = 500;
/** Backoff after failed copies: 1 s, 2 s, 4 s … at most this, plus up to half again of jitter. */
const RETRY_MAX_MS = 60_000;

/**
 * Hands everything D1 did not have when called to the writer, batch by batch, marking each copied
 * once committed. Returns how many were copied, or "missing" when D1 no longer has the conversation.
 * Throws when a batch fails; what was not confirmed stays pending. Messages stored meanwhile wait
 * for the next alarm (each append schedules one), so a busy room does not chase its own tail
 * with one extra read and hand-off after another.
 */
export async function copyPending(env: Env, store: RoomStore, meta: RoomMeta): Promise<number | "missing"> {
  let copied = 0;
  for (;;) {
    const batch = store.uncopied(COPY_BATCH);
    if (batch.length === 0) return copied;
    const { missing } = await writerFor(env, meta.conversationId).copy(shardOf(env, meta.conversationId), {
      conversationId: meta.conversationId,
      rows: batch.map((m) => toD1Row(meta.conversationId, m)),
      flags: batch.flatMap((m) => (m.flag ? [{ messageId: m.id, conversationId: meta.conversationId, reason: m.flag, createdAt: m.at }] : [])),
    });
    if (missing) return "missing";
    store.markCopiedThrough(batch[batch.length - 1]!.seq);
    copied += batch.length;
    if (batch.length < COPY_BATCH) return copied;
  }
}

/** How long to wait before the next attempt after `failures` failed copies in a row. */
export function retryDelayMs(failures: number, random = Math.random): number {
  const base = Math.min(RETRY_MAX_MS, 1000 * 2 ** Math.max(0, failures - 1));
  return base + Math.floor(random() * (base / 2));
}

/**
 * A room's copy to durable history: when it is due, the hand-off itself with its failure count,
 * and the order of D1 writes (copy, erase, hide) so an erase cannot be undone by a copy in flight.
 */
export class HistoryCopy {
  private d1Chain: Promise<unknown> = Promise.resolve();
  /** The last copy handed something over: the room is likely still busy. A hint only (lost on eviction). */
  private busy = false;

  constructor(
    private readonly env: Env,
    private readonly store: RoomStore,
    private readonly alarm: AlarmClock,
  ) {}

  /** Runs `work` after every D1 write this room started before it. */
  withD1<T>(work: () => Promise<T>): Promise<T> {
    const run = this.d1Chain.then(work, work);
    this.d1Chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Copies every message D1 does not have yet through a history writer. Safe to repeat: D1
   * ignores ids it already holds. A failure is logged with its reason and counted for the backoff.
   * Returns how many were copied; `onMissing` runs, in turn, when D1 no longer has the conversation.
   */
  flush(meta: RoomMeta, onMissing: () => void): Promise<number> {
    return this.withD1(async () => {
      try {
        const copied = await copyPending(this.env, this.store, meta);
        this.busy = copied !== "missing" && copied > 0;
        if (this.store.copyFailures() > 0) this.store.setCopyFailures(0);
        if (copied !== "missing") return copied;
        onMissing();
        return 0;
      } catch (error) {
        const failures = this.store.copyFailures() + 1;
        this.store.setCopyFailures(failures);
        logEvent("warn", "room.history_copy_failed", { failures, retryInMs: retryDelayMs(failures, () => 0), reason: describeError(error) });
        throw error;
      }
    });
  }

  /**
   * A new message is due for copying; a failing copy keeps its backoff rather than retrying per
   * message. Any alarm already due within the jitter range serves: a busy room does not move its
   * alarm earlier message after message (each move is a storage write on the send path).
   */
  scheduleAfterAppend(now: number): void {
    const failures = this.store.copyFailures();
    const base = failures > 0 ? retryDelayMs(failures, () => 0) : this.baseDelay();
    this.alarm.schedule(now + (failures > 0 ? base : this.flushDelay()), now + Math.floor(base * 1.5));
  }

  /**
   * After an alarm's attempt, the next copy attempt (null with nothing left to copy): at `at`, or by `latest` when an alarm is already pending by then (sends
   * during the copy set one), so the alarm is not moved again for a few hundred milliseconds.
   */
  nextWindow(now: number): { at: number; latest: number } | null {
    const failures = this.store.copyFailures();
    if (failures > 0) {
      const base = retryDelayMs(failures, () => 0);
      return { at: now + retryDelayMs(failures), latest: now + Math.floor(base * 1.5) };
    }
    // A busy room keeps its copy cadence even when this copy took everything: otherwise the alarm
    // goes to a far deadline (retention) and the next send moves it back, two alarm writes per
    // cycle instead of one. A room that went quiet costs one empty alarm.
    if (!this.store.hasUncopied() && !this.busy) return null;
    const base = this.baseDelay();
    return { at: now + this.flushDelay(), latest: now + Math.floor(base * 2) };
  }

  /**
   * How long messages gather before their copy to D1. Jittered by up to half again, so rooms that
   * started together do not all hit D1 in the same instant.
   */
  private flushDelay(): number {
    const base = this.baseDelay();
    return base + Math.floor(Math.random() * (base / 2));
  }

  /** Vars do not change while the object lives; read once, since every send asks. */
  private baseDelayMs: number | null = null;

  private baseDelay(): number {
    return (this.baseDelayMs ??= numberVar(this.env.D1_FLUSH_DELAY_MS, 1000));
  }
}
