// `npm run bench [-- relay|knee|matching|rest|d1|kill ...] [--quick] [--write]`, or `npm run bench -- --soak`: runs onechat's room beside a
// reference room (bench/worker/reference-room.ts) and the same room without persistence in the
// same runtime, storage, client and run, once under `wrangler dev` with state on disk (what
// `npm run dev` runs) and once in-process under Miniflare; then D1 write transactions against
// active rooms, rows written per message, matching, REST and a SIGKILL restart. Prints markdown;
// a full run (or --write) replaces docs/benchmarks.md. `npm run bench -- relay` is the quick
// like-for-like subset.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { startLocalWorker, type LocalWorker } from "../scripts/local-worker";
import { FAKE_CREDENTIALS, startPlatformServer } from "../test/fakes/platform-server";
import { devUsers, LOGIN_ALARMS_SETTLE_MS, runTag } from "./client";
import { withCpu } from "./cpu";
import { renderKnee, renderSoak, runKnee, runSoak } from "./knee";
import { jsHeapMiB } from "./inspector";
import { runKill } from "./kill";
import { runMatching } from "./matching";
import { runRelay, runSequential } from "./relay";
import { renderMarkdown, renderTables, type Results, type Setup } from "./report";
import { closedLoop, postLogin } from "./rest";
import { sleep } from "./schedule";
import { serverStats } from "./stats";
import { closePairs, floorTarget, referenceTarget, startFloorProcess, workerTarget, type BenchServer, type Pair, type RelayTarget } from "./targets";
import { BENCH_OBJECTS, startWranglerDev } from "./wrangler-dev";

const args = process.argv.slice(2);
const ALL = ["relay", "knee", "d1", "matching", "rest", "kill", "profile"];
// --soak: only the soak (--soak-rate= msg/s, default 600; --soak-minutes=, default 10; --soak-target=reference), under wrangler dev.
const soak = args.includes("--soak");
const numArg = (name: string, fallback: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const picked = args.filter((a) => ALL.includes(a));
const onlyArg = args.find((a) => a.startsWith("--only="))?.slice("--only=".length);
const only = new Set(soak ? [] : onlyArg ? onlyArg.split(",") : picked.length ? picked : ALL);
// A named subset alone is the quick check; --quick shortens a full run too.
const quick = args.includes("--quick") || (picked.length > 0 && !args.includes("--full"));
// --setup=dev or --setup=miniflare runs the relay comparison in one setup only.
const setupArg = args.find((a) => a.startsWith("--setup="))?.slice("--setup=".length);
const runDev = setupArg !== "miniflare";
const runMiniflare = setupArg !== "dev";
const complete = !quick && only.size === ALL.length && !setupArg && !soak;

// Sized for 2 cores: the full run stays under ten minutes.
const plan = quick
  ? { kneeRates: [200, 400, 800, 1200], freshRates: [200, 800], kneeStepMs: 4000, coldRooms: 10, sequential: 200, sequentialRounds: 1, pairs: 100, rate: 5, relayMs: 4000, rounds: 1, d1Rooms: [10, 100, 500], d1Ms: 4000, matchingUsers: [1000], shardCounts: [1], restMs: 1000 }
  : { kneeRates: [200, 400, 600, 800, 1000, 1200, 1400], freshRates: [200, 600, 1000, 1400], kneeStepMs: 5000, coldRooms: 20, sequential: 500, sequentialRounds: 5, pairs: 100, rate: 5, relayMs: 8000, rounds: 2, d1Rooms: [10, 100, 500], d1Ms: 8000, matchingUsers: [100, 1000], shardCounts: [1, 2], restMs: 3000 };
// Ports of this project's bench range, away from 8787 (npm run dev).
const DEV_PORT = Number(process.env.BENCH_DEV_PORT ?? 9231);
const SOAK_INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 9239);

const root = new URL("..", import.meta.url);
const git = (...a: string[]) => execFileSync("git", a, { encoding: "utf8", cwd: root }).trim();
const results: Results = {
  meta: {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    node: process.version,
    workerd: (JSON.parse(readFileSync(new URL("node_modules/workerd/package.json", root), "utf8")) as { version: string }).version,
    quick,
    source: `commit ${git("rev-parse", "--short", "HEAD")}${git("status", "--porcelain", "--", "worker", "bench", "wrangler.toml", "drizzle") ? " plus uncommitted changes" : ""}`,
    loadBefore: loadavg(),
    loadAfter: [],
    seconds: 0,
  },
  floor: null,
  setups: [],
  d1: [],
  rows: [],
  matching: [],
  rest: [],
  kill: null,
  profiles: [],
  sections: [],
  notes: [],
};
const started = performance.now();
const log = (line: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)}s] ${line}`);

/** The relay scenarios load the room, not people: the per-user message limit is lifted. */
const BENCH_VARS: Record<string, string> = { MESSAGE_BURST: "1000", MESSAGE_RATE_PER_SECOND: "1000", ...JSON.parse(process.env.BENCH_VARS ?? "{}") };

const targetsFor = (server: BenchServer): RelayTarget[] => [
  referenceTarget(server),
  workerTarget(server, "onechat"),
  workerTarget(server, "onechat, persistence off", "/bench/volatile/rooms"),
];

/** Reference, onechat and onechat without persistence: same server, same client, interleaved. */
async function compare(setup: Setup, server: BenchServer, pgid?: () => number | undefined): Promise<void> {
  const cpuRows: string[] = [];
  const targets = targetsFor(server);
  const open: Pair[][] = [];
  for (const t of targets) {
    log(`${setup.label}: opening ${plan.pairs} pairs for ${t.name}`);
    open.push(await t.openPairs(plan.pairs));
  }
  await sleep(LOGIN_ALARMS_SETTLE_MS); // the logins' limiter alarms fire now, not inside a measured run
  // Sequential p50s move with the machine's moment: interleaved rounds, the median round per target.
  const rounds: Awaited<ReturnType<typeof runSequential>>[][] = targets.map(() => []);
  for (let round = 0; round < plan.sequentialRounds; round++) {
    for (const [i, t] of targets.entries()) {
      const seq = await runSequential(open[i]![0]!, plan.sequential);
      rounds[i]!.push(seq);
      log(`${setup.label}: ${t.name}: sequential round ${round + 1}: one-way p50 ${seq.oneWay.p50} ms`);
    }
  }
  for (const [i, t] of targets.entries()) {
    const byP50 = [...rounds[i]!].sort((a, b) => a.oneWay.p50 - b.oneWay.p50);
    setup.sequential.push({ target: t.name, ...byP50[Math.floor(byP50.length / 2)]! });
  }
  for (let round = 0; round < plan.rounds; round++) {
    for (const [i, t] of targets.entries()) {
      const rooms = open[i]!.map((p) => p.roomId!).filter(Boolean);
      // Counting is best effort: an overloaded server must not cost the run its latency figures.
      const before = t.name === "onechat" && round === 0 ? await serverStats(server, rooms).catch(() => null) : null;
      const { value: result, cpuSeconds } = await withCpu(pgid?.(), () => runRelay(open[i]!, plan.rate, plan.relayMs));
      setup.relay.push({ target: t.name, round, result });
      if (cpuSeconds !== null) cpuRows.push(`| ${t.name} | ${round + 1} | ${result.sent} | ${(plan.pairs * plan.rate * 2).toLocaleString("en-US")} | ${((1000 * cpuSeconds) / Math.max(1, result.sent)).toFixed(2)} |`);
      log(`${setup.label}: ${t.name}: ${plan.pairs} pairs × ${plan.rate}/s: one-way p99 ${result.oneWay.p99} ms, lost ${result.lost}, dup ${result.duplicated}`);
      if (before) {
        // Wait for the copy to D1 to catch up, then count what this run wrote.
        let after = await serverStats(server, rooms).catch(() => null);
        for (let k = 0; k < 30 && after && after.writers.messages - before.writers.messages < result.acked; k++) {
          await sleep(500);
          after = await serverStats(server, rooms).catch(() => null);
        }
        if (!after) {
          results.notes.push(`${setup.label}: the row counts could not be read (the server did not answer in time).`);
          continue;
        }
        const messages = result.acked;
        results.rows.push({
          setup: setup.label,
          messages,
          copied: after.writers.messages - before.writers.messages,
          roomRows: after.roomRows - before.roomRows,
          d1Rows: after.writers.rowsWritten - before.writers.rowsWritten,
          d1Transactions: after.writers.transactions - before.writers.transactions,
          d1BatchMs: after.writers.batchMs - before.writers.batchMs,
          d1BatchMsMax: after.writers.batchMsMax,
        });
      }
    }
  }
  for (const pairs of open) await closePairs(pairs);
  if (cpuRows.length > 0) {
    results.sections.push(
      [
        `#### Server CPU per message, ${setup.label}\n`,
        "User + system seconds of the server's whole process group (wrangler and workerd, from /proc) during each open-loop round above, per 1,000 messages sent.\n",
        "| target | round | sent | msg/s | server CPU s / 1,000 msg |",
        "|---|---|---|---|---|",
        ...cpuRows,
        "",
      ].join("\n"),
    );
  }
}

/** D1 write transactions per second while 10, 100 and 500 rooms are active (1 msg/s each side). */
async function d1Suite(server: BenchServer): Promise<void> {
  const most = Math.max(...plan.d1Rooms);
  log(`d1: opening ${most} pairs`);
  const pairs = await workerTarget(server, "onechat").openPairs(most);
  await sleep(LOGIN_ALARMS_SETTLE_MS);
  for (const n of plan.d1Rooms) {
    const slice = pairs.slice(0, n);
    const rooms = slice.map((p) => p.roomId!);
    const before = await serverStats(server, rooms);
    const t0 = performance.now();
    const result = await runRelay(slice, 1, plan.d1Ms);
    let after = await serverStats(server, rooms);
    for (let k = 0; k < 40 && after.writers.messages - before.writers.messages < result.acked; k++) {
      await sleep(250);
      after = await serverStats(server, rooms);
    }
    const seconds = (performance.now() - t0) / 1000;
    results.d1.push({
      rooms: n,
      seconds,
      messages: result.acked,
      transactions: after.writers.transactions - before.writers.transactions,
      handoffs: after.writers.handoffs - before.writers.handoffs,
      capPerSecond: (Number(server.vars.HISTORY_WRITERS ?? 2) * 1000) / Number(server.vars.HISTORY_WINDOW_MS ?? 200),
    });
    const last = results.d1[results.d1.length - 1]!;
    log(`d1: ${n} rooms: ${(last.transactions / seconds).toFixed(1)} D1 txns/s, ${(last.handoffs / seconds).toFixed(1)} room hand-offs/s`);
  }
  await closePairs(pairs);
}

async function matchingSuite(server: BenchServer, shards: number, dev = false): Promise<void> {
  const users = await devUsers(server.url, `match-${runTag()}`, Math.max(...plan.matchingUsers));
  await sleep(LOGIN_ALARMS_SETTLE_MS);
  for (const n of shards === 1 ? plan.matchingUsers : [1000]) {
    const result = await runMatching(server.wsUrl, users.slice(0, n), 1000);
    results.matching.push({ shards, result, dev });
    log(`matching${dev ? " (wrangler dev)" : ""}, ${shards} shard(s), ${n} users in 1 s: ${result.matched}/${n} paired, from join p99 ${result.waitFromJoin.p99} ms`);
    if (result.violations.length > 0) results.notes.push(`matching (${shards} shards, ${n} users): ${result.violations.slice(0, 3).join("; ")}`);
    await sleep(500);
  }
}

async function restSuite(server: BenchServer): Promise<void> {
  const tag = runTag();
  results.rest.push(await closedLoop("POST /api/login (dev)", 8, plan.restMs, 50_000, (i) => postLogin(server.url, "dev", `rest-${tag}-${i}`, 1_000_000 + i)));
  results.rest.push(await closedLoop("POST /api/login (wechat, fake server)", 8, plan.restMs, 50_000, (i) => postLogin(server.url, "wechat", `rest-${tag}-${i}`, 2_000_000 + i)));
  const [pair] = await workerTarget(server, "onechat").openPairs(1);
  await runRelay([pair!], 20, 2000);
  await sleep(2500); // the room's copy reaches D1 within about two seconds
  const url = `${server.url}/api/conversations/${pair!.roomId}/messages`;
  const headers = { authorization: `Bearer ${pair!.userA!.token}` };
  const page = (await (await fetch(url, { headers })).json()) as { messages?: unknown[] };
  results.rest.push(await closedLoop(`GET /api/conversations/:id/messages (${page.messages?.length ?? 0} per page)`, 8, plan.restMs, 50_000, () => fetch(url, { headers, signal: AbortSignal.timeout(10_000) })));
  await closePairs([pair!]);
}

async function withMiniflare<T>(vars: Record<string, string>, fn: (w: LocalWorker) => Promise<T>): Promise<T> {
  const worker = await startLocalWorker({
    vars: { ...BENCH_VARS, ...vars },
    stateRoot: existsSync("/dev/shm") ? "/dev/shm" : undefined,
    entry: "bench/worker/entry.ts",
    durableObjects: BENCH_OBJECTS,
  });
  try {
    return await fn(worker);
  } finally {
    await worker.stop();
  }
}

async function main() {
  log(`${quick ? "quick" : "full"} run: ${[...only].join(", ")}`);
  const fake = await startPlatformServer();
  const platformVars = { ...FAKE_CREDENTIALS, WECHAT_API_BASE: fake.url, QQ_API_BASE: fake.url };
  try {
    if (only.has("relay")) {
      const floor = await startFloorProcess();
      try {
        const t = floorTarget(floor.url);
        const pairs = await t.openPairs(plan.pairs);
        const seq = await runSequential(pairs[0]!, plan.sequential);
        const relay = await runRelay(pairs, plan.rate, plan.relayMs);
        results.floor = { sequential: seq, relay };
        log(`ws floor: sequential p50 ${seq.oneWay.p50} ms, 100 pairs p99 ${relay.oneWay.p99} ms`);
        await closePairs(pairs);
      } finally {
        await floor.stop();
      }
    }
    if ((only.has("relay") && runDev) || only.has("kill") || only.has("knee") || only.has("matching") || soak) {
      // The soak reads the worker's JS heap through the inspector, to tell it from workerd's native memory.
      const dev = await startWranglerDev(DEV_PORT, { ...BENCH_VARS, ...platformVars }, soak ? SOAK_INSPECTOR_PORT : undefined);
      try {
        // What `npm run dev` gives 1,000 joiners (one lobby shard, as wrangler.toml sets): first, while no room's alarms run.
        if (only.has("matching") && !soak) await matchingSuite(dev, 1, true);
        if (only.has("relay") && runDev) {
          const setup: Setup = { label: "wrangler dev, state on disk (npm run dev)", sequential: [], relay: [] };
          results.setups.push(setup);
          await compare(setup, dev, dev.pgid);
        }
        if (only.has("knee")) {
          const targets = [referenceTarget(dev), workerTarget(dev, "onechat")];
          const { runs, cold } = await runKnee(targets, {
            pairs: plan.pairs,
            rates: plan.kneeRates,
            freshRates: plan.freshRates,
            stepMs: plan.kneeStepMs,
            coldRooms: plan.coldRooms,
            pgid: dev.pgid,
            log,
          });
          results.sections.push(renderKnee("wrangler dev, state on disk (npm run dev), 100 pairs", runs, cold));
        }
        if (soak) {
          const rate = numArg("soak-rate", 600);
          // --soak-target=reference: the same soak on the reference room, to tell onechat's growth from the runtime's.
          const target = args.includes("--soak-target=reference") ? referenceTarget(dev) : workerTarget(dev, "onechat");
          const series = await runSoak(target, plan.pairs, rate, numArg("soak-minutes", 10), dev.pgid, log, numArg("soak-minute-ms", 60_000), undefined, () => jsHeapMiB(SOAK_INSPECTOR_PORT));
          results.sections.push(renderSoak(rate, series, target.name));
        }
        if (only.has("kill")) {
          try {
            results.kill = await runKill(dev);
            log(`kill: ${results.kill.acked} acked, ${results.kill.missing} missing after SIGKILL and restart`);
          } catch (error) {
            results.notes.push(`SIGKILL step did not run: ${String(error)} (the server stopped answering; see the relay rows above).`);
          }
        }
      } finally {
        await dev.stop();
      }
    }
    if (only.has("relay") || only.has("d1") || only.has("rest")) {
      await withMiniflare({ ...platformVars, LOBBY_SHARDS: "1" }, async (worker) => {
        if (only.has("relay") && runMiniflare) {
          const setup: Setup = { label: "Miniflare in-process, state on tmpfs", sequential: [], relay: [] };
          results.setups.push(setup);
          await compare(setup, worker);
        }
        if (only.has("d1")) await d1Suite(worker);
        if (only.has("rest")) await restSuite(worker);
      });
    }
    if (only.has("matching")) {
      // A fresh server each: rooms left by the relay and D1 runs would fire their grace and copy
      // alarms on the same local thread in the middle of the joining second.
      for (const shards of plan.shardCounts) {
        await withMiniflare({ ...platformVars, LOBBY_SHARDS: String(shards) }, (worker) => matchingSuite(worker, shards));
      }
    }
    if (only.has("profile")) {
      for (const [title, extra] of [
        ["One pair, one message in flight: the three rooms", ["--top=14"]],
        ["1,000 joiners in one second (one lobby shard)", ["--scenario=matching", "--top=14"]],
      ] as const) {
        log(`profile: ${title}`);
        const text = execFileSync(process.execPath, ["--import", "tsx", new URL("profile.ts", import.meta.url).pathname, ...extra], { encoding: "utf8", maxBuffer: 16 << 20 });
        results.profiles.push({ title, text });
      }
    }
  } finally {
    await fake.close();
  }
  results.meta.loadAfter = loadavg();
  results.meta.seconds = (performance.now() - started) / 1000;
  console.log(renderTables(results));
  if (args.includes("--write") || complete) {
    writeFileSync(new URL("docs/benchmarks.md", root), renderMarkdown(results));
    log("wrote docs/benchmarks.md");
  } else log("partial or quick run: docs/benchmarks.md left as it is (pass --write to replace it)");
}

await main();
