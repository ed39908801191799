import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { devUsers } from "../../bench/client";
import { startFloorRelay } from "../../bench/floor-relay";
import { runMatching } from "../../bench/matching";
import { groupCpuSeconds } from "../../bench/cpu";
import { renderKnee, renderSoak, runKnee, runSoak } from "../../bench/knee";
import { runRelay } from "../../bench/relay";
import { closePairs, floorTarget, referenceTarget, workerTarget } from "../../bench/targets";
import { serverStats } from "../../bench/stats";
import { BENCH_OBJECTS } from "../../bench/wrangler-dev";
import { FAKE_CREDENTIALS, startPlatformServer } from "../fakes/platform-server";

// The local launcher the benchmark, the terminal client and the Node end-to-end tests share, and
// a tiny run of the benchmark harness (counts only: speed belongs in `npm run bench`).
describe("local worker launcher and benchmark harness", () => {
  let fake: Awaited<ReturnType<typeof startPlatformServer>>;
  let worker: LocalWorker;

  beforeAll(async () => {
    fake = await startPlatformServer();
    worker = await startLocalWorker({
      vars: { ...FAKE_CREDENTIALS, WECHAT_API_BASE: fake.url, QQ_API_BASE: fake.url, D1_FLUSH_DELAY_MS: "50" },
      entry: "bench/worker/entry.ts",
      durableObjects: BENCH_OBJECTS,
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await fake?.close();
  });

  async function login(platform: string, code: string) {
    const res = await fetch(`${worker.url}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ platform, code }),
    });
    return { status: res.status, body: (await res.json()) as { token: string; user: { id: string } } };
  }

  it("serves dev login and an authenticated /api/me on 127.0.0.1 with migrations applied", async () => {
    expect(worker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { status, body } = await login("dev", "smoke-alice");
    expect(status).toBe(200);
    const me = await fetch(`${worker.url}/api/me`, { headers: { authorization: `Bearer ${body.token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: string }).id).toBe(body.user.id);
  });

  it("passes var overrides through: WeChat login reaches the fake platform server", async () => {
    const before = fake.stats.code2sessionCalls;
    const { status, body } = await login("wechat", "smoke-bob");
    expect(status).toBe(200);
    expect(fake.stats.code2sessionCalls).toBe(before + 1);
    // The same WeChat code maps to the same user.
    expect((await login("wechat", "smoke-bob")).body.user.id).toBe(body.user.id);
  });

  it("relays every message of a short open-loop run through real rooms exactly once, and acks each", async () => {
    const pairs = await workerTarget(worker, "worker").openPairs(2);
    try {
      const result = await runRelay(pairs, 5, 1000);
      expect(result.sent).toBe(2 * 2 * 5);
      expect(result.delivered).toBe(result.sent);
      expect(result.acked).toBe(result.sent);
      expect(result.lost).toBe(0);
      expect(result.duplicated).toBe(0);
      expect(result.errors).toEqual({});
      expect(result.oneWay.count).toBe(result.sent);
    } finally {
      await closePairs(pairs);
    }
  });

  it("drives the reference room and the room without persistence through the same harness", async () => {
    for (const target of [referenceTarget(worker), workerTarget(worker, "volatile", "/bench/volatile/rooms")]) {
      const pairs = await target.openPairs(2);
      try {
        const result = await runRelay(pairs, 5, 1000);
        expect([result.delivered, result.acked, result.lost, result.duplicated]).toEqual([result.sent, result.sent, 0, 0]);
      } finally {
        await closePairs(pairs);
      }
    }
  });

  it("counts the rows rooms write and the D1 transactions and rows of the history copy", async () => {
    const pairs = await workerTarget(worker, "worker").openPairs(2);
    const rooms = pairs.map((p) => p.roomId!);
    const before = await serverStats(worker, rooms);
    const result = await runRelay(pairs, 5, 1000);
    let after = await serverStats(worker, rooms);
    for (let i = 0; i < 50 && after.writers.messages - before.writers.messages < result.acked; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await serverStats(worker, rooms);
    }
    expect(after.writers.messages - before.writers.messages).toBe(result.acked);
    expect(after.roomRows - before.roomRows).toBeGreaterThanOrEqual(result.acked);
    expect(after.writers.rowsWritten - before.writers.rowsWritten).toBeGreaterThanOrEqual(result.acked);
    expect(after.writers.transactions - before.writers.transactions).toBeGreaterThan(0);
    await closePairs(pairs);
  });

  it("steps rates over warm and fresh rooms for two targets, times cold first messages, and soaks", async () => {
    const targets = [referenceTarget(worker), workerTarget(worker, "onechat")];
    const { runs, cold } = await runKnee(targets, { pairs: 2, rates: [8, 16], freshRates: [8], stepMs: 500, coldRooms: 2, settleMs: 0, log: () => {} });
    expect(runs.map((r) => [r.target, r.rooms])).toEqual([
      ["reference room", "warm"],
      ["onechat", "warm"],
      ["reference room", "fresh"],
      ["onechat", "fresh"],
    ]);
    for (const run of runs) {
      for (const step of run.steps) expect([step.result.lost, step.result.duplicated, step.result.delivered]).toEqual([0, 0, step.result.sent]);
      // No process group given: CPU is not measured rather than guessed.
      expect(run.steps.every((s) => s.cpuSeconds === null)).toBe(true);
    }
    expect(runs[0]!.steps.map((s) => s.rate)).toEqual([8, 16]);
    expect(cold.map((c) => c.oneWay.count)).toEqual([2, 2]);
    expect(renderKnee("smoke", runs, cold)).toContain("Knees (highest passing rate): reference room (warm rooms)");

    const minutes = await runSoak(workerTarget(worker, "onechat"), 2, 8, 2, () => undefined, () => {}, 500, 0);
    expect(minutes.map((m) => [m.minute, m.result.lost, m.result.duplicated])).toEqual([
      [1, 0, 0],
      [2, 0, 0],
    ]);
    expect(renderSoak(8, minutes)).toContain("Lost or duplicated: 0");
  });

  it("reads a process group's CPU time from the OS", async () => {
    const self = groupCpuSeconds(process.pid);
    if (process.platform !== "linux") return expect(self).toBeNull();
    // A busy child leading its own process group, as wrangler dev does in the bench.
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, ["-e", "const t = Date.now(); while (Date.now() - t < 300) {} setTimeout(() => {}, 2000)"], { detached: true, stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 800));
    const spent = groupCpuSeconds(child.pid);
    child.kill("SIGKILL");
    expect(spent).toBeGreaterThan(0);
  });

  it("pairs every lobby joiner exactly once, never with themselves", async () => {
    const users = await devUsers(worker.url, `smoke-match-${Date.now()}`, 10);
    const result = await runMatching(worker.wsUrl, users, 200);
    expect(result.violations).toEqual([]);
    expect(result.failures).toBe(0);
    expect(result.matched).toBe(10);
    expect(result.timeToMatch.count).toBe(10);
  });
});

describe("relay harness counting, against the floor relay", () => {
  it("counts nothing lost when the relay delivers, and every message lost when the partner is gone", async () => {
    const floor = await startFloorRelay();
    try {
      const healthy = await floorTarget(floor.url).openPairs(3);
      const ok = await runRelay(healthy, 10, 500);
      expect(ok.sent).toBe(3 * 2 * 5);
      expect([ok.delivered, ok.acked, ok.lost, ok.duplicated]).toEqual([ok.sent, ok.sent, 0, 0]);
      await closePairs(healthy);

      // One side gone before the run: its own sends never leave, the other side's reach no one.
      const [broken] = await floorTarget(floor.url).openPairs(1);
      await closePairs([{ a: broken!.b, b: broken!.b }]);
      const bad = await runRelay([broken!], 10, 500, 500);
      expect(bad.sent).toBe(10);
      expect(bad.delivered).toBe(0);
      expect(bad.lost).toBe(10);
      expect(bad.acked).toBe(5);
      await closePairs([broken!]);
    } finally {
      await floor.close();
    }
  });
});
