// Where each target saturates: the same 100 pairs (warm rooms), then new pairs at every step
// (fresh rooms), driven at rising total rates, targets interleaved step by step; the knee is the
// highest rate with p99 < 250 ms and nothing lost. The server's CPU per message comes from the OS
// (bench/cpu.ts) where the server is its own process group (wrangler dev). The first message of a
// fresh room is timed on its own, one at a time. And a soak: a steady rate for minutes.
import { LOGIN_ALARMS_SETTLE_MS } from "./client";
import { withCpu, workerdRssMiB } from "./cpu";
import { LatencyRecorder, type Latency } from "./histogram";
import { errorsTotal, runRelay, runSequential, type RelayResult } from "./relay";
import { sleep } from "./schedule";
import { closePairs, type Pair, type RelayTarget } from "./targets";

export const KNEE_P99_MS = 250;

export interface KneeStep {
  /** Messages per second, both sides of every pair together. */
  rate: number;
  result: RelayResult;
  /** Server CPU seconds (user + system) during the step, or null where not measurable. */
  cpuSeconds: number | null;
  pass: boolean;
}

export interface KneeRun {
  target: string;
  rooms: "warm" | "fresh";
  steps: KneeStep[];
  /** Highest passing rate; null if no step passed. */
  knee: number | null;
}

export interface ColdFirst {
  target: string;
  oneWay: Latency;
}

export interface KneeOptions {
  pairs: number;
  rates: number[];
  stepMs: number;
  /** Fresh-room steps (new pairs each): a subset of `rates`, since each opens `pairs` new rooms. */
  freshRates: number[];
  coldRooms: number;
  pgid?: () => number | undefined;
  log: (line: string) => void;
  /** Wait after opening pairs for the logins' limiter alarms (default LOGIN_ALARMS_SETTLE_MS). */
  settleMs?: number;
}

export const kneePasses = (r: RelayResult) =>
  r.oneWay.p99 < KNEE_P99_MS && r.lost === 0 && r.duplicated === 0 && errorsTotal(r.errors) === 0;

const perSide = (rate: number, pairs: number) => rate / (2 * pairs);

/** Lost messages or a p99 past 2 s: the server is not keeping up, and later steps would only queue. */
const saturated = (s: KneeStep) => s.result.lost > 0 || s.result.duplicated > 0 || !(s.result.oneWay.p99 < 2000);

async function step(pairs: Pair[], rate: number, o: KneeOptions): Promise<KneeStep> {
  const { value: result, cpuSeconds } = await withCpu(o.pgid?.(), () => runRelay(pairs, perSide(rate, pairs.length), o.stepMs, 3000));
  return { rate, result, cpuSeconds, pass: kneePasses(result) };
}

/** The highest rate that passed (the issue's definition); a failed step below it is shown in the table. */
const kneeOf = (steps: KneeStep[]) => steps.reduce<number | null>((best, s) => (s.pass && (best === null || s.rate > best) ? s.rate : best), null);

/** The stepped scenario for every target, interleaved: warm rooms first, then fresh ones, then cold first messages. */
export async function runKnee(targets: RelayTarget[], o: KneeOptions): Promise<{ runs: KneeRun[]; cold: ColdFirst[] }> {
  const runs: KneeRun[] = [];
  // Warm: one set of pairs per target, each room past its first messages before the steps.
  const warm: Pair[][] = [];
  for (const t of targets) {
    const pairs = await t.openPairs(o.pairs);
    await runRelay(pairs, 1, 1000, 3000);
    warm.push(pairs);
    runs.push({ target: t.name, rooms: "warm", steps: [], knee: null });
  }
  // The logins' limiter alarms fire now, not inside the first measured step (whichever target's it is).
  await sleep(o.settleMs ?? LOGIN_ALARMS_SETTLE_MS);
  const live = new Set(targets.map((_, i) => i));
  for (const rate of o.rates) {
    for (const i of [...live]) {
      const s = await step(warm[i]!, rate, o);
      runs[i]!.steps.push(s);
      o.log(`knee, warm rooms: ${targets[i]!.name} at ${rate} msg/s: p99 ${s.result.oneWay.p99} ms, lost ${s.result.lost}${s.cpuSeconds === null ? "" : `, CPU ${((1000 * s.cpuSeconds) / Math.max(1, s.result.sent)).toFixed(2)} s per 1,000`}`);
      // Past saturation the backlog only grows: the next step would measure this one's queue. A
      // step that only missed the p99 bound (a stall on a shared machine) still lets the CPU per
      // message be measured at the next rates; the knee stays at the first failing step.
      if (saturated(s)) live.delete(i);
    }
  }
  for (const pairs of warm) await closePairs(pairs);
  for (const run of runs) run.knee = kneeOf(run.steps);

  // Fresh: new rooms at every step, their first messages inside the measured window.
  const fresh = targets.map((t) => ({ target: t.name, rooms: "fresh" as const, steps: [] as KneeStep[], knee: null as number | null }));
  const liveFresh = new Set(targets.map((_, i) => i));
  for (const rate of o.freshRates) {
    for (const i of [...liveFresh]) {
      const pairs = await targets[i]!.openPairs(o.pairs);
      await sleep(o.settleMs ?? LOGIN_ALARMS_SETTLE_MS);
      const s = await step(pairs, rate, o);
      await closePairs(pairs);
      fresh[i]!.steps.push(s);
      o.log(`knee, fresh rooms: ${targets[i]!.name} at ${rate} msg/s: p99 ${s.result.oneWay.p99} ms, lost ${s.result.lost}`);
      if (saturated(s)) liveFresh.delete(i);
    }
  }
  for (const run of fresh) run.knee = kneeOf(run.steps);
  runs.push(...fresh);

  // Cold first message: a new room's first message, one room at a time on an otherwise idle server.
  const cold: ColdFirst[] = [];
  for (const t of targets) {
    const pairs = await t.openPairs(o.coldRooms);
    const rec = new LatencyRecorder();
    for (const p of pairs) {
      const first = await runSequential(p, 1, 5000);
      if (first.lost === 0) rec.recordMs(first.oneWay.p50);
    }
    await closePairs(pairs);
    cold.push({ target: t.name, oneWay: rec.summary() });
  }
  return { runs, cold };
}

export interface SoakMinute {
  minute: number;
  result: RelayResult;
  rssMiB: number | null;
  /** The worker isolate's JS heap in use (MiB), when the inspector is open. */
  heapMiB?: number | null;
}

/** `minutes` one-minute rounds at `rate` msg/s over the same pairs; workerd's memory after each. */
export async function runSoak(
  target: RelayTarget,
  pairs: number,
  rate: number,
  minutes: number,
  pgid: () => number | undefined,
  log: (line: string) => void,
  minuteMs = 60_000,
  settleMs = LOGIN_ALARMS_SETTLE_MS,
  heap?: () => Promise<number | null>,
): Promise<SoakMinute[]> {
  const open = await target.openPairs(pairs);
  await sleep(settleMs);
  const out: SoakMinute[] = [];
  try {
    for (let m = 1; m <= minutes; m++) {
      const result = await runRelay(open, perSide(rate, pairs), minuteMs, 3000);
      const rssMiB = workerdRssMiB(pgid());
      const heapMiB = heap ? await heap() : null;
      out.push({ minute: m, result, rssMiB, heapMiB });
      log(`soak minute ${m}: p99 ${result.oneWay.p99} ms, lost ${result.lost}, dup ${result.duplicated}, workerd ${rssMiB?.toFixed(0) ?? "?"} MiB, JS heap ${heapMiB?.toFixed(0) ?? "?"} MiB`);
    }
  } finally {
    await closePairs(open);
  }
  return out;
}

const ms = (v: number) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)) : "–");
const cpuPer1000 = (s: KneeStep) => (s.cpuSeconds === null ? "–" : ((1000 * s.cpuSeconds) / Math.max(1, s.result.sent)).toFixed(2));

export function renderKnee(label: string, runs: KneeRun[], cold: ColdFirst[]): string {
  const rows: string[] = [];
  for (const run of runs) {
    for (const s of run.steps) {
      rows.push(`| ${run.target} | ${run.rooms} | ${s.rate} | ${s.result.sent} | ${s.result.lost} | ${s.result.duplicated} | ${ms(s.result.oneWay.p50)} | ${ms(s.result.oneWay.p99)} | ${cpuPer1000(s)} | ${s.pass ? "yes" : "no"} |`);
    }
  }
  const knees = runs.map((r) => `${r.target} (${r.rooms} rooms): **${r.knee ?? "no step passed"}${r.knee === null ? "" : " msg/s"}**`).join("; ");
  return [
    `#### Stepped rate, ${label}\n`,
    `Total msg/s over the pairs, both sides sending; one step each, targets interleaved; a target stops once it loses messages or its p99 passes 2 s. Knee = highest rate with p99 < ${KNEE_P99_MS} ms and nothing lost. CPU = user + system seconds of the server's process group (from /proc) per 1,000 messages sent.\n`,
    "| target | rooms | msg/s | sent | lost | dup | one-way p50 ms | p99 | server CPU s / 1,000 msg | pass |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    `\nKnees (highest passing rate): ${knees}.\n`,
    `Cold first message of a new room (one room at a time, idle server), one-way ms: ${cold.map((c) => `${c.target} p50 ${ms(c.oneWay.p50)}, p99 ${ms(c.oneWay.p99)} (${c.oneWay.count} rooms)`).join("; ")}.\n`,
  ].join("\n");
}

export function renderSoak(rate: number, minutes: SoakMinute[], target = "onechat"): string {
  const rows = minutes.map((m) => `| ${m.minute} | ${m.result.sent} | ${m.result.lost} | ${m.result.duplicated} | ${ms(m.result.oneWay.p50)} | ${ms(m.result.oneWay.p99)} | ${m.rssMiB === null ? "–" : m.rssMiB.toFixed(0)} | ${m.heapMiB == null ? "–" : m.heapMiB.toFixed(0)} |`);
  const first = minutes[0];
  const last = minutes[minutes.length - 1];
  const warm = minutes[Math.min(1, minutes.length - 1)];
  const p99Ratio = first && last ? last.result.oneWay.p99 / first.result.oneWay.p99 : NaN;
  const memGrowth = warm?.rssMiB && last?.rssMiB ? last.rssMiB / warm.rssMiB - 1 : NaN;
  const lost = minutes.reduce((n, m) => n + m.result.lost + m.result.duplicated, 0);
  return [
    `#### Soak: ${target}, ${rate} msg/s under wrangler dev\n`,
    "| minute | sent | lost | dup | one-way p50 ms | p99 | workerd RSS MiB | worker JS heap MiB |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    `\nLost or duplicated: ${lost}; last minute's p99 ÷ first's: ${Number.isFinite(p99Ratio) ? p99Ratio.toFixed(2) : "–"} (target ≤ 1.5); workerd memory from minute 2 to the last: ${Number.isFinite(memGrowth) ? `${(memGrowth * 100).toFixed(1)}%` : "–"} (target < 10%).\n`,
  ].join("\n");
}
