import { describe, expect, it } from "vitest";
import { fakeModel, loadSet, runEval } from "../../scripts/eval-moderation";

// The labelled set through the worker's own parsing, mapping and ordering, against the fake model.
// The fake is not a classifier: this checks our code, not the real model's accuracy (docs/deploy.md).
describe("moderation eval against the fake model", () => {
  it("has a few hundred lines over every triage category and ordinary chat", () => {
    const set = loadSet();
    expect(set.length).toBeGreaterThanOrEqual(300);
    expect(new Set(set.map((i) => i.label))).toEqual(new Set(["child", "sexual", "violence", "self_harm", "fraud", "hate", "privacy", "ordinary"]));
    expect(new Set(set.map((i) => i.text)).size).toBe(set.length);
  });

  it("maps every verdict to its label's category and rank, and the queue order holds", async () => {
    const result = await runEval(fakeModel, loadSet(), { timeoutMs: 5_000, concurrency: 8 });
    expect(result.failed).toBe(0);
    expect(result.misranked).toEqual([]);
    expect(result.falsePositives).toEqual([]);
    for (const { n, hit } of Object.values(result.perLabel)) expect(hit).toBe(n);
    expect(result.orderHolds).toBe(true);
  });

  it("reports a model that flags ordinary chat: false positives, misranked, and no recall for ordinary", async () => {
    const paranoid = { run: async () => ({ response: { safe: false, categories: ["S4"] } }) };
    const ordinary = loadSet().filter((i) => i.label === "ordinary").slice(0, 20);
    const result = await runEval(paranoid, ordinary, { timeoutMs: 5_000, concurrency: 4 });
    expect(result.falsePositives).toHaveLength(20);
    expect(result.misranked).toHaveLength(20);
    expect(result.perLabel.ordinary).toEqual({ n: 20, hit: 0 });
  });
});
