// `npm run eval:moderation`: runs the labelled set (scripts/eval/moderation-set.json: short Chinese
// chat lines, each labelled with the console category it should land in, or "ordinary") through
// the same code the worker uses — Llama Guard's call and parsing, the category mapping, the
// severity order — and prints recall per category, false positives and misplaced queue ranks.
//
// Without flags it runs against the fake model (test/fakes/llama-guard-fake.js), which only checks
// our plumbing: the fake finds keywords it was written with, so its numbers say nothing about
// accuracy. `-- --remote` asks the real @cf/meta/llama-guard-3-8b through Cloudflare's REST API
// (CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN with Workers AI read/edit); that is the only
// measure of accuracy, and it costs a few hundred classifications. Not run in CI.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fakeGuardRun } from "../test/fakes/llama-guard-fake.js";
import { categoriesOf } from "../worker/moderation/hazards";
import { classify, LLAMA_GUARD_MODEL, type SafetyModel } from "../worker/moderation/llama-guard";
import { CATEGORY_RANK, SEVERITY, reportSeverity, severityOf } from "../worker/moderation/severity";
import type { AiCategory } from "../worker/protocol";

export type EvalLabel = AiCategory | "ordinary";
export interface EvalItem {
  text: string;
  label: EvalLabel;
}

export interface EvalResult {
  total: number;
  /** Calls that errored, timed out or answered out of format (fail open in the worker). */
  failed: number;
  /** Per label: how many items, how many the verdict put in that category ("ordinary": judged safe). */
  perLabel: Record<string, { n: number; hit: number }>;
  /** Ordinary lines judged unsafe. */
  falsePositives: string[];
  /** Items whose queue rank (severity) differs from their label's. */
  misranked: { text: string; label: EvalLabel; got: AiCategory[] }[];
  /** The queue order of every item: label ranks never decrease down the queue (for correct verdicts). */
  orderHolds: boolean;
}

const LABEL_RANK: Record<EvalLabel, number> = { ...CATEGORY_RANK, ordinary: SEVERITY.rest };

export function loadSet(): EvalItem[] {
  return JSON.parse(readFileSync(fileURLToPath(new URL("./eval/moderation-set.json", import.meta.url)), "utf8")) as EvalItem[];
}

export const fakeModel: SafetyModel = { run: (model, inputs) => fakeGuardRun(model, inputs) };

/** Workers AI over its REST API: POST /accounts/:id/ai/run/:model answers { result, success }. */
export function remoteModel(accountId: string, token: string): SafetyModel {
  return {
    async run(model, inputs) {
      const res = await fetch(`https://api.cloudflare.com/client/v4/accounts/${accountId}/ai/run/${model}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify(inputs),
      });
      const body = (await res.json()) as { success?: boolean; result?: unknown; errors?: unknown };
      if (!res.ok || !body.success) throw new Error(`Workers AI ${res.status}: ${JSON.stringify(body.errors)}`);
      return body.result;
    },
  };
}

export async function runEval(model: SafetyModel, items: readonly EvalItem[], options = { timeoutMs: 20_000, concurrency: 4 }): Promise<EvalResult> {
  const verdicts: (AiCategory[] | null)[] = new Array(items.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      // As the worker sends a flagged message: the text and a side, nothing else.
      const result = await classify(model, [{ side: "reported", text: items[i].text }], options.timeoutMs);
      verdicts[i] = result.ok ? (result.safe ? [] : categoriesOf(result.hazards)) : null;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));

  const result: EvalResult = { total: items.length, failed: 0, perLabel: {}, falsePositives: [], misranked: [], orderHolds: true };
  items.forEach((item, i) => {
    const got = verdicts[i];
    const tally = (result.perLabel[item.label] ??= { n: 0, hit: 0 });
    tally.n++;
    if (got === null) return void result.failed++;
    if (item.label === "ordinary" ? got.length === 0 : got.includes(item.label)) tally.hit++;
    if (item.label === "ordinary" && got.length > 0) result.falsePositives.push(item.text);
    if (severityOf(got) !== LABEL_RANK[item.label]) result.misranked.push({ text: item.text, label: item.label, got });
  });
  // The queue: each item as a report (id = its position, so later is newer), in the worker's order.
  const queue = items
    .map((item, id) => ({ id, item, severity: reportSeverity(false, verdicts[id] ? severityOf(verdicts[id]) : null) }))
    .sort((a, b) => a.severity - b.severity || b.id - a.id);
  const correct = new Set(items.map((_, i) => i).filter((i) => verdicts[i] !== null && !result.misranked.some((m) => m.text === items[i].text)));
  let worst = -1;
  for (const { id, item } of queue) {
    if (!correct.has(id)) continue;
    if (LABEL_RANK[item.label] < worst) result.orderHolds = false;
    worst = Math.max(worst, LABEL_RANK[item.label]);
  }
  return result;
}

function print(result: EvalResult, source: string): void {
  console.log(`moderation eval: ${result.total} lines against ${source}`);
  for (const [label, { n, hit }] of Object.entries(result.perLabel)) {
    console.log(`  ${label.padEnd(10)} ${String(hit).padStart(4)}/${n}  ${((100 * hit) / n).toFixed(1)}%${label === "ordinary" ? " judged safe" : " recall"}`);
  }
  console.log(`  model failures: ${result.failed}; ordinary lines flagged: ${result.falsePositives.length}; misranked: ${result.misranked.length}`);
  console.log(`  queue order by severity holds for correctly judged lines: ${result.orderHolds ? "yes" : "NO"}`);
  for (const m of result.misranked.slice(0, 20)) console.log(`    ${m.label} → [${m.got.join(", ") || "safe"}]  ${m.text}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const remote = process.argv.includes("--remote");
  let model = fakeModel;
  let source = "the FAKE model (plumbing only; not a measure of accuracy)";
  if (remote) {
    const { CLOUDFLARE_ACCOUNT_ID: account, CLOUDFLARE_API_TOKEN: token } = process.env;
    if (!account || !token) {
      console.error("--remote needs CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN (a token allowed to use Workers AI).");
      process.exit(2);
    }
    model = remoteModel(account, token);
    source = `${LLAMA_GUARD_MODEL} on Workers AI`;
  }
  const result = await runEval(model, loadSet());
  print(result, source);
  // The fake must agree with every label (it was written to): anything else is a bug in our code.
  if (!remote && (result.failed || result.misranked.length || result.falsePositives.length || !result.orderHolds)) process.exit(1);
}
