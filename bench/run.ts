// `npm run bench [-- --quick] [--only=relay,matching,rest] [--write] [--working-tree]`: starts the floor relay and the
// worker (Miniflare) locally, runs every scenario against 127.0.0.1, prints the tables and
// writes docs/benchmarks.md.
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { startLocalWorker, type LocalWorker } from "../scripts/local-worker";
import { FAKE_CREDENTIALS, startPlatformServer } from "../test/fakes/platform-server";
import { devUsers, runTag, type BenchUser } from "./client";
import { runMatching } from "./matching";
import { runRelay, runSequential, stepRate } from "./relay";
import { renderMarkdown, renderTables, TARGET_NAMES, type Results } from "./report";
import { closedLoop, postLogin } from "./rest";
import { sleep } from "./schedule";
import { closePairs, floorTarget, startFloorProcess, workerTarget, type Pair, type RelayTarget } from "./targets";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyArg = args.find((a) => a.startsWith("--only="))?.slice("--only=".length) ?? (args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined);
// The committed worker by default, so colleagues' edits in progress do not end up in the figures.
const ref = args.includes("--working-tree") ? undefined : "HEAD";
const only = new Set((onlyArg ?? "relay,matching,rest").split(","));

// Sized for 2 cores: the full run stays well under ten minutes, --quick around two.
const plan = quick
  ? { relayMs: 2000, stepMs: 1500, rates: [5, 20, 80], sequential: 100, scenarios: [[1, 20], [10, 10], [100, 5]], matchingUsers: [100, 1000], shardCounts: [1, 2], burstMs: 200, restMs: 1000 }
  : { relayMs: 8000, stepMs: 3000, rates: [5, 10, 20, 40, 80, 160], sequential: 500, scenarios: [[1, 20], [10, 10], [100, 5]], matchingUsers: [100, 1000], shardCounts: [1, 2, 4], burstMs: 200, restMs: 4000 };

const root = new URL("..", import.meta.url);
const results: Results = {
  meta: {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    node: process.version,
    workerd: (JSON.parse(readFileSync(new URL("node_modules/workerd/package.json", root), "utf8")) as { version: string }).version,
    quick,
    source: ref ? `commit ${execFileSync("git", ["rev-parse", "--short", ref], { encoding: "utf8" }).trim()}` : "the working tree (uncommitted changes included)",
    loadBefore: loadavg(),
    loadAfter: [],
    seconds: 0,
  },
  sequential: [],
  relay: [],
  steps: [],
  matching: [],
  rest: [],
  notes: [],
};
const started = performance.now();
const log = (line: string) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)}s] ${line}`);

/** Sequential, the open-loop scenarios on 1/10/100 pairs, then rate stepping on 100 pairs. */
async function relaySuite(target: RelayTarget, step: boolean): Promise<Pair[]> {
  const most = Math.max(...plan.scenarios.map(([pairs]) => pairs!));
  log(`${target.name}: opening ${most} pairs`);
  const pairs = await target.openPairs(most);
  const seq = await runSequential(pairs[0]!, plan.sequential);
  results.sequential.push({ target: target.name, ...seq });
  log(`${target.name}: sequential one-way p50 ${seq.oneWay.p50} ms`);
  for (const [n, rate] of plan.scenarios) {
    const result = await runRelay(pairs.slice(0, n), rate!, plan.relayMs);
    results.relay.push({ target: target.name, result });
    if (result.errors.rate_limited && !results.notes.some((n) => n.includes("rate_limited"))) {
      results.notes.push(
        "Some sends were refused with rate_limited: the per-user limit was not lifted for this run (BENCH_VARS in bench/run.ts).",
      );
    }
    log(`${target.name}: ${n} pairs × ${rate}/s: one-way p99 ${result.oneWay.p99} ms, lost ${result.lost}, dup ${result.duplicated}`);
  }
  if (step) {
    const { steps, best } = await stepRate(pairs, plan.rates, plan.stepMs);
    results.steps.push({ target: target.name, pairs: pairs.length, best, steps });
    log(`${target.name}: best per-side rate with p99 < 50 ms on ${pairs.length} pairs: ${best}`);
  }
  return pairs;
}

/**
 * Every worker the bench starts: the per-user message limit lifted (the relay scenarios are load,
 * not people; the limit itself is tested in test/worker/room-safety.test.ts), and state on tmpfs
 * where there is one, since this VM's disk sync per commit would otherwise dominate every write
 * (production Durable Object storage does not sync a local disk per write).
 */
const BENCH_VARS = { MESSAGE_BURST: "1000", MESSAGE_RATE_PER_SECOND: "1000", ...JSON.parse(process.env.BENCH_VARS ?? "{}") };
const stateRoot = existsSync("/dev/shm") ? "/dev/shm" : undefined;

async function withWorker<T>(vars: Record<string, string>, fn: (w: LocalWorker) => Promise<T>): Promise<T> {
  const worker = await startLocalWorker({ vars: { ...BENCH_VARS, ...vars }, ref, stateRoot });
  try {
    return await fn(worker);
  } finally {
    await worker.stop();
  }
}

async function matchingSuite(worker: LocalWorker, shards: number, users: BenchUser[]): Promise<void> {
  const runs: [number, number][] = shards === 1 ? plan.matchingUsers.map((n) => [n, 1000]) : [];
  runs.push([1000, 1000], [1000, plan.burstMs]);
  const seen = new Set<string>();
  for (const [n, spread] of runs) {
    if (seen.has(`${n}/${spread}`)) continue;
    seen.add(`${n}/${spread}`);
    const result = await runMatching(worker.wsUrl, users.slice(0, n), spread);
    results.matching.push({ shards, result });
    log(`matching, ${shards} shard(s), ${n} users in ${spread} ms: ${result.matched}/${n} paired, ttm p99 ${result.timeToMatch.p99} ms, ${Math.round(result.matchesPerSec)} matches/s`);
    if (result.violations.length > 0) results.notes.push(`matching (${shards} shards, ${n} users): ${result.violations.slice(0, 3).join("; ")}`);
    await sleep(500);
  }
}

async function restSuite(worker: LocalWorker, history: Pair | undefined): Promise<void> {
  const tag = runTag();
  const conc = 8;
  results.rest.push(await closedLoop("POST /api/login (dev)", conc, plan.restMs, 50_000, (i) => postLogin(worker.url, "dev", `rest-${tag}-${i}`, 1_000_000 + i)));
  results.rest.push(await closedLoop("POST /api/login (wechat, fake server)", conc, plan.restMs, 50_000, (i) => postLogin(worker.url, "wechat", `rest-${tag}-${i}`, 2_000_000 + i)));
  if (history?.roomId && history.userA) {
    const url = `${worker.url}/api/conversations/${history.roomId}/messages`;
    const headers = { authorization: `Bearer ${history.userA.token}` };
    const page = (await (await fetch(url, { headers })).json()) as { messages?: unknown[] };
    results.rest.push(await closedLoop(`GET /api/conversations/:id/messages (${page.messages?.length ?? 0} per page)`, conc, plan.restMs, 50_000, () => fetch(url, { headers, signal: AbortSignal.timeout(10_000) })));
  }
  for (const r of results.rest.slice(-3)) log(`${r.name}: ${Math.round(r.perSec)}/s, p99 ${r.latency.p99} ms, failed ${r.failed}`);
}

async function main() {
  log(`${quick ? "quick" : "full"} run: ${[...only].join(", ")}`);
  const fake = await startPlatformServer();
  const platformVars = { ...FAKE_CREDENTIALS, WECHAT_API_BASE: fake.url, QQ_API_BASE: fake.url };
  try {
    if (only.has("relay")) {
      const floor = await startFloorProcess();
      try {
        await closePairs(await relaySuite(floorTarget(floor.url), true));
      } finally {
        await floor.stop();
      }
    }
    if (only.has("relay") || only.has("rest") || only.has("matching")) {
      await withWorker({ ...platformVars, LOBBY_SHARDS: "1" }, async (worker) => {
        let pairs: Pair[] = [];
        if (only.has("relay")) pairs = await relaySuite(workerTarget(worker, TARGET_NAMES.persist), true);
        if (only.has("rest")) {
          if (pairs.length === 0) pairs = await workerTarget(worker, TARGET_NAMES.persist).openPairs(1);
          if (!only.has("relay")) await runRelay(pairs.slice(0, 1), 20, 2000);
          await sleep(1500); // let the room's batched copy reach D1
          await restSuite(worker, pairs[0]);
        }
        await closePairs(pairs);
        if (only.has("matching")) {
          const users = await devUsers(worker.url, `match-${runTag()}`, Math.max(...plan.matchingUsers));
          await matchingSuite(worker, 1, users);
        }
      });
    }
    if (only.has("relay")) {
      await withWorker({ ...platformVars, ROOM_PERSISTENCE: "off" }, async (worker) => {
        await closePairs(await relaySuite(workerTarget(worker, TARGET_NAMES.volatile), true));
      });
    }
    if (only.has("matching")) {
      for (const shards of plan.shardCounts.filter((s) => s > 1)) {
        await withWorker({ ...platformVars, LOBBY_SHARDS: String(shards) }, async (worker) => {
          const users = await devUsers(worker.url, `match-${runTag()}`, 1000);
          await matchingSuite(worker, shards, users);
        });
      }
    }
  } finally {
    await fake.close();
  }
  results.meta.loadAfter = loadavg();
  results.meta.seconds = (performance.now() - started) / 1000;
  console.log(renderTables(results));
  // Only a complete full run (or --write) replaces the published figures.
  if (args.includes("--write") || (!quick && only.size === 3)) {
    writeFileSync(new URL("docs/benchmarks.md", root), renderMarkdown(results));
    log("wrote docs/benchmarks.md");
  } else log("partial or quick run: docs/benchmarks.md left as it is (pass --write to replace it)");
}

await main();
