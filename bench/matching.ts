// The matching scenario: N users open the lobby socket on a fixed schedule spread over a
// window; every one must be matched exactly once, with someone else, and the two sides of a
// match must agree on the room.
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import type { BenchUser } from "./client";
import { LatencyRecorder, type Latency } from "./histogram";
import { runSchedule, waitUntil } from "./schedule";

export interface MatchingResult {
  users: number;
  spreadMs: number;
  matched: number;
  /** Users never matched before the deadline. */
  unmatched: number;
  /** Violations: a user matched twice, a room with ≠ 2 distinct users, a user with themselves. */
  violations: string[];
  /** Socket failures (HTTP refusals, errors, early closes). */
  failures: number;
  /** From the first scheduled join until the last user is matched. */
  allPairedMs: number;
  /** matched − the moment a partner was available (the later of the pair's two scheduled joins). */
  timeToMatch: Latency;
  /**
   * matched − the moment both were in the lobby's queue (the later of the pair's two `waiting`
   * frames): the lobby's own pairing latency, without the upgrade's queueing in front of it.
   */
  timeToMatchQueued: Latency;
  /** matched − own join. */
  waitFromJoin: Latency;
  matchesPerSec: number;
}

interface Joiner {
  user: BenchUser;
  joinAt: number;
  matchedAt: number;
  /** When its `waiting` frame arrived: the server had it in the queue. */
  queuedAt: number;
  roomId: string | null;
  matchedFrames: number;
  ws: WebSocket | null;
  failed: boolean;
}

export async function runMatching(wsUrl: string, users: BenchUser[], spreadMs: number, timeoutMs = 20_000): Promise<MatchingResult> {
  const t0 = performance.now() + 50;
  // Evenly spaced joins in a shuffled order: the arrival rate is fixed, the arrival order random.
  const shuffled = [...users].sort(() => Math.random() - 0.5);
  const joiners: Joiner[] = shuffled.map((user, i) => ({
    user,
    joinAt: t0 + (spreadMs * i) / users.length,
    matchedAt: 0,
    queuedAt: 0,
    roomId: null,
    matchedFrames: 0,
    ws: null,
    failed: false,
  }));
  let settled = 0;
  const settle = (j: Joiner) => {
    if (j.matchedFrames === 1 || j.failed) settled++;
  };
  await runSchedule(Float64Array.from(joiners, (j) => j.joinAt), (i) => {
    const j = joiners[i]!;
    const ws = new WebSocket(`${wsUrl}/api/lobby`, { headers: { authorization: `Bearer ${j.user.token}` }, perMessageDeflate: false });
    j.ws = ws;
    const fail = () => {
      if (j.matchedFrames > 0 || j.failed) return;
      j.failed = true;
      settle(j);
    };
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; roomId?: string };
      if (frame.type === "waiting" && j.queuedAt === 0) j.queuedAt = performance.now();
      if (frame.type === "matched") {
        j.matchedFrames++;
        if (j.matchedFrames === 1) {
          j.matchedAt = performance.now();
          j.roomId = frame.roomId ?? null;
          settle(j);
        }
      } else if (frame.type === "error") fail();
    });
    ws.on("unexpected-response", () => fail());
    ws.on("error", () => fail());
    ws.on("close", () => fail());
  });
  await waitUntil(() => settled >= joiners.length, timeoutMs, 10);
  // The server closes the lobby socket after `matched`; close whatever is left.
  for (const j of joiners) {
    j.ws?.removeAllListeners();
    j.ws?.on("error", () => {});
    if (j.ws && j.ws.readyState !== WebSocket.CLOSED) j.ws.terminate();
  }

  const violations: string[] = [];
  const rooms = new Map<string, Joiner[]>();
  for (const j of joiners) {
    if (j.matchedFrames > 1) violations.push(`user ${j.user.id} matched ${j.matchedFrames} times`);
    if (j.roomId) rooms.set(j.roomId, [...(rooms.get(j.roomId) ?? []), j]);
  }
  const timeToMatch = new LatencyRecorder();
  const waitFromJoin = new LatencyRecorder();
  const timeToMatchQueued = new LatencyRecorder();
  for (const [roomId, members] of rooms) {
    if (members.length !== 2) {
      violations.push(`room ${roomId} has ${members.length} members`);
      continue;
    }
    const [x, y] = members as [Joiner, Joiner];
    if (x.user.id === y.user.id) violations.push(`user ${x.user.id} paired with themselves`);
    const available = Math.max(x.joinAt, y.joinAt);
    for (const j of members) {
      timeToMatch.recordMs(j.matchedAt - available);
      waitFromJoin.recordMs(j.matchedAt - j.joinAt);
      // A joiner matched on arrival may get `matched` without a `waiting` first.
      const queued = Math.max(x.queuedAt || x.matchedAt, y.queuedAt || y.matchedAt);
      timeToMatchQueued.recordMs(Math.max(0, j.matchedAt - queued));
    }
  }
  const matchedJoiners = joiners.filter((j) => j.matchedAt > 0);
  const last = matchedJoiners.reduce((m, j) => Math.max(m, j.matchedAt), t0);
  return {
    users: users.length,
    spreadMs,
    matched: matchedJoiners.length,
    unmatched: joiners.length - matchedJoiners.length,
    violations,
    failures: joiners.filter((j) => j.failed).length,
    allPairedMs: last - t0,
    timeToMatch: timeToMatch.summary(),
    timeToMatchQueued: timeToMatchQueued.summary(),
    waitFromJoin: waitFromJoin.summary(),
    matchesPerSec: (matchedJoiners.length / 2 / Math.max(last - t0, 1)) * 1000,
  };
}
