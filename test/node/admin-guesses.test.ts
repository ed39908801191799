// The admin guess limit from outside: 40 wrong tokens fired at once over real HTTP from one
// address, against the worker in Miniflare. The check and the charge are one step in the limiter,
// so only ADMIN_AUTH_RULE.burst guesses are ever checked.
import { afterAll, beforeAll, expect, it } from "vitest";
import { ADMIN_AUTH_RULE } from "../../worker/limits/rules";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";

let worker: LocalWorker;

beforeAll(async () => {
  worker = await startLocalWorker();
});
afterAll(async () => {
  await worker?.stop();
});

it("40 parallel wrong admin tokens from one address: at most 5 answered 401, the rest 429 too_many_attempts", async () => {
  const guess = (token: string) => fetch(`${worker.url}/api/admin/reports`, { headers: { Authorization: `Bearer ${token}` } });
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => guess(`wrong-${i}-${Math.random()}`)));
  const bodies = await Promise.all(answers.map((r) => r.json() as Promise<{ error: { code: string } }>));
  const codes = answers.map((r, i) => `${r.status} ${bodies[i].error.code}`);
  expect(codes.filter((c) => c === "401 unauthorized")).toHaveLength(ADMIN_AUTH_RULE.burst);
  expect(codes.filter((c) => c === "429 too_many_attempts")).toHaveLength(40 - ADMIN_AUTH_RULE.burst);
  // Locked out, the right token included: a lucky guess among the 429s would learn nothing.
  expect((await guess(worker.vars.ADMIN_TOKEN)).status).toBe(429);
});
