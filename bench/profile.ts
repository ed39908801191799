// `npm run bench:profile [-- --setup=miniflare|dev --scenario=sequential|load|matching --target=all|reference,onechat,volatile]`:
// where the time goes. Runs the bench entry (Miniflare, or wrangler dev through its inspector proxy)
// with workerd's V8 inspector open, runs one scenario while the CPU profiler samples (one pair in a
// closed loop, 100 pairs at 5 msg/s, or 1,000 joiners in a second), and prints per message or
// per joiner the functions with the most self and inclusive time (JS and the native calls it makes).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startLocalWorker } from "../scripts/local-worker";
import { inspector } from "./inspector";
import { devUsers, LOGIN_ALARMS_SETTLE_MS, runTag } from "./client";
import { sleep } from "./schedule";
import { runMatching } from "./matching";
import { runRelay, runSequential } from "./relay";
import { closePairs, referenceTarget, workerTarget, type RelayTarget } from "./targets";
import { BENCH_OBJECTS, startWranglerDev } from "./wrangler-dev";

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const sequentialMessages = Number(arg("messages", "3000"));
// --scenario=load: the 100-pair open loop instead of one pair in a closed loop.
const scenario = arg("scenario", "sequential");
const load = scenario === "load";
const LOAD = { pairs: 100, rate: 5, ms: 4000 };
const MATCHING_USERS = 1000;
const setup = arg("setup", "miniflare") === "dev" ? "wrangler dev, state on disk" : "Miniflare, state on tmpfs";
const targetArg = arg("target", "all");
const intervalUs = Number(arg("interval", "200"));
const top = Number(arg("top", "25"));
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9239);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const nameOf = ({ callFrame: { functionName, url, lineNumber } }: ProfileNode) =>
  `${functionName || "(anonymous)"} ${url ? `${url.split("/").pop()}:${lineNumber + 1}` : ""}`.trim();

/**
 * Time per function, largest first: `self` where the sample landed, or `inclusive` anywhere on its
 * stack (each function counted once per sample), which shows which handler the time is spent under.
 */
function times(profile: Profile, kind: "self" | "inclusive"): { name: string; ms: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    let id: number | undefined = profile.samples[i]!;
    const seen = new Set<string>();
    while (id !== undefined) {
      const name = nameOf(byId.get(id)!);
      if (name !== "(root)" && !seen.has(name)) {
        seen.add(name);
        totals.set(name, (totals.get(name) ?? 0) + ms);
      }
      if (kind === "self") break;
      id = parent.get(id);
    }
  }
  return [...totals.entries()].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
}
const selfTimes = (profile: Profile) => times(profile, "self");

// Functions only the lobby shard runs, and only the worker's request path runs: an entry point
// (the first JS frame of a sample) is the shard's or the worker's by what runs under it.
const SHARD_MARKERS = new Set(["readJoin", "leaveOrWaitAway", "complete", "reschedule", "pairWaiters", "takeMissed", "onClose", "free"]);
const WORKER_MARKERS = new Set(["verifyJwt", "sessionUserId", "#dispatch", "dispatch", "joinRequest"]);

/**
 * JS time split by who ran it: the lobby shard (one object: what must fit one thread's budget),
 * the worker (stateless, spread over many machines in production), or neither marker (runtime glue).
 */
function byOwner(profile: Profile): { shard: number; worker: number; other: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const entryOf = (id: number): number | null => {
    let cur: number | undefined = id;
    let entry: number | null = null;
    while (cur !== undefined) {
      if (nameOf(byId.get(cur)!) === "(root)") return entry;
      entry = cur;
      cur = parent.get(cur);
    }
    return entry;
  };
  // An entry's owner: the markers found anywhere below it.
  const owner = new Map<number, "shard" | "worker" | "other">();
  const visit = (id: number, found: Set<string>) => {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName;
    if (SHARD_MARKERS.has(name)) found.add("shard");
    if (WORKER_MARKERS.has(name)) found.add("worker");
    for (const c of n.children ?? []) visit(c, found);
  };
  const root = profile.nodes.find((n) => nameOf(n) === "(root)");
  for (const entry of root?.children ?? []) {
    const found = new Set<string>();
    visit(entry, found);
    owner.set(entry, found.has("shard") && !found.has("worker") ? "shard" : found.has("worker") && !found.has("shard") ? "worker" : "other");
  }
  const out = { shard: 0, worker: 0, other: 0 };
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!)!;
    if (/^\((idle|program|garbage collector|root)\)/.test(nameOf(node))) continue;
    const entry = entryOf(node.id);
    out[(entry !== null && owner.get(entry)) || "other"] += (profile.timeDeltas[i] ?? 0) / 1000;
  }
  return out;
}

/** Self time split into JS, the runtime's own work, GC and idle. */
function breakdown(rows: { name: string; ms: number }[]) {
  const special = (label: string) => rows.find((r) => r.name.startsWith(`(${label})`))?.ms ?? 0;
  const js = rows.filter((r) => !/^\((idle|program|garbage collector)\)/.test(r.name)).reduce((a, r) => a + r.ms, 0);
  return { js, program: special("program"), gc: special("garbage collector"), idle: special("idle") };
}

// --save=DIR writes each profile as DIR/<target>.cpuprofile (Chrome DevTools opens it).
const saveDir = arg("save", "");
function save(name: string, profile: Profile): void {
  if (!saveDir) return;
  mkdirSync(saveDir, { recursive: true });
  writeFileSync(join(saveDir, `${name}.cpuprofile`), JSON.stringify(profile));
}

const vars = { MESSAGE_BURST: "100000", MESSAGE_RATE_PER_SECOND: "100000" };
// --setup=dev: wrangler dev with state on disk (what `npm run dev` runs); default: Miniflare on tmpfs.
const worker =
  setup.startsWith("wrangler")
    ? await startWranglerDev(Number(process.env.BENCH_DEV_PORT ?? 9231), vars, INSPECTOR_PORT)
    : await startLocalWorker({
        vars,
        stateRoot: existsSync("/dev/shm") ? "/dev/shm" : undefined,
        entry: "bench/worker/entry.ts",
        durableObjects: BENCH_OBJECTS,
        inspectorPort: INSPECTOR_PORT,
      });
try {
  const all: Record<string, RelayTarget> = {
    reference: referenceTarget(worker),
    onechat: workerTarget(worker, "onechat"),
    volatile: workerTarget(worker, "onechat, persistence off", "/bench/volatile/rooms"),
  };
  const names = targetArg === "all" ? Object.keys(all) : targetArg.split(",");
  const cdp = await inspector(INSPECTOR_PORT);
  await cdp.call("Profiler.enable");
  await cdp.call("Profiler.setSamplingInterval", { interval: intervalUs });
  const summary: string[] = [];
  if (scenario === "matching") {
    // --scenario=matching: 1,000 users join the lobby within one second; time per joiner.
    const users = await devUsers(worker.url, `profile-${runTag()}`, MATCHING_USERS);
    await sleep(LOGIN_ALARMS_SETTLE_MS);
    await cdp.call("Profiler.start");
    const result = await runMatching(worker.wsUrl, users, 1000);
    const { profile } = await cdp.call<{ profile: Profile }>("Profiler.stop");
    cdp.close();
    save("matching", profile);
    const rows = selfTimes(profile);
    const per = (ms: number) => ((ms / MATCHING_USERS) * 1000).toFixed(1).padStart(7);
    const b = breakdown(rows);
    console.log(`\nmatching, ${setup}: ${result.matched}/${MATCHING_USERS} paired, from join p50 ${result.waitFromJoin.p50} / p99 ${result.waitFromJoin.p99} ms`);
    console.log(`per joiner: JS ${per(b.js).trim()} µs, (program) ${per(b.program).trim()} µs, GC ${per(b.gc).trim()} µs, idle ${per(b.idle).trim()} µs`);
    const owners = byOwner(profile);
    console.log(
      `JS per joiner by owner: lobby shard ${per(owners.shard).trim()} µs (one object: its budget is one thread), worker ${per(owners.worker).trim()} µs (stateless, spread over machines), unattributed ${per(owners.other).trim()} µs`,
    );
    console.log(`self time per joiner (µs), top ${top}`);
    for (const r of rows.slice(0, top)) console.log(`${per(r.ms)}  ${r.name}`);
    console.log(`\ninclusive time per joiner (µs), top ${top}`);
    for (const r of times(profile, "inclusive").slice(0, top)) console.log(`${per(r.ms)}  ${r.name}`);
  }
  for (const name of scenario === "matching" ? [] : names) {
    const target = all[name];
    if (!target) throw new Error(`--target must be "all" or some of ${Object.keys(all).join(", ")}`);
    const pairs = await target.openPairs(load ? LOAD.pairs : 1);
    await sleep(LOGIN_ALARMS_SETTLE_MS);
    await runSequential(pairs[0]!, 300); // warm up: first wake, filter list, JIT
    await cdp.call("Profiler.start");
    const t0 = performance.now();
    let messages: number;
    let latency: string;
    if (load) {
      const result = await runRelay(pairs, LOAD.rate, LOAD.ms);
      messages = result.acked;
      latency = `p50 ${result.oneWay.p50} / p99 ${result.oneWay.p99}`;
    } else {
      const result = await runSequential(pairs[0]!, sequentialMessages);
      messages = result.oneWay.count;
      latency = `p50 ${result.oneWay.p50} / p99 ${result.oneWay.p99}`;
    }
    const wallMs = performance.now() - t0;
    const { profile } = await cdp.call<{ profile: Profile }>("Profiler.stop");
    save(name, profile);
    await closePairs(pairs);
    const per = (ms: number) => ((ms / messages) * 1000).toFixed(1).padStart(7);
    const rows = selfTimes(profile);
    const b = breakdown(rows);
    summary.push(`| ${target.name} | ${messages} | ${latency} | ${per(wallMs)} | ${per(b.js)} | ${per(b.program)} | ${per(b.gc)} | ${per(b.idle)} |`);
    console.log(`\n${target.name}: self time per message (µs), top ${top}`);
    for (const r of rows.slice(0, top)) console.log(`${per(r.ms)}  ${r.name}`);
  }
  if (summary.length > 0) {
    cdp.close();
    const what = load ? `${LOAD.pairs} pairs × ${LOAD.rate} msg/s each side for ${LOAD.ms / 1000} s` : "one pair, one message in flight";
    console.log(`\n${setup}, ${what}; sampled every ${intervalUs} µs (sampling slows JS: compare targets, not absolute figures)\n`);
    console.log("| target | messages | one-way ms | wall µs/msg | JS µs/msg | (program) | GC | idle |\n|---|---|---|---|---|---|---|---|");
    for (const line of summary) console.log(line);
  }
} finally {
  await worker.stop();
}
