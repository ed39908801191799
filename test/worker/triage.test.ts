import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { chargeBudget, deleteStaleVerdicts, usedToday } from "../../worker/db/ai-verdicts";
import { findUser } from "../../worker/db/users";
import { MODEL_INPUT_MAX, type SafetyModel } from "../../worker/moderation/llama-guard";
import { triageReport } from "../../worker/moderation/triage";
import { api } from "./helpers";
import { auditCount, consoleQueue, conversationSaying, reportBob, verdictOf } from "./triage-helpers";

describe("report triage by the safety model (fake AI binding in Llama Guard's format)", () => {
  it("orders the open queue by severity — child safety, violence/self-harm, sexual, fraud, the rest — then newest first, with each verdict", async () => {
    // Filed from the least to the most severe, so newest-first alone would get it backwards.
    const plain = await conversationSaying(["你好", "今天天气不错"]);
    const fraud = await conversationSaying(["你好", "先转账五百保证金，稳赚"]);
    const sexual = await conversationSaying(["在吗", "出来约炮吗"]);
    const violent = await conversationSaying(["你再说一句", "我砍死你"]);
    const minorByReporter = await conversationSaying(["你几年级", "我上课呢"]);
    const child = await conversationSaying(["你多大", "我是初中生，发裸照给你"]);
    const ids: Record<string, number> = {};
    for (const [name, p] of Object.entries({ plain, fraud, sexual, violent, minorByReporter, child })) {
      ids[name] = await reportBob(p, name === "minorByReporter" ? "minor" : "harassment", name === "minorByReporter" ? "说自己在上课" : undefined);
    }
    for (const id of Object.values(ids)) await verdictOf(id);

    const { reports } = await consoleQueue();
    const ours = reports.filter((r) => Object.values(ids).includes(r.id));
    expect(ours.map((r) => r.id)).toEqual([ids.child, ids.minorByReporter, ids.violent, ids.sexual, ids.fraud, ids.plain]);
    expect(ours.map((r) => r.severity)).toEqual([0, 0, 1, 2, 3, 4]);
    const child0 = ours[0].verdict!;
    expect(child0).toMatchObject({ status: "unsafe", model: "@cf/meta/llama-guard-3-8b", categories: ["child", "sexual"] });
    expect(child0.hazards.sort()).toEqual(["S12", "S4"]);
    expect(ours[5].verdict).toMatchObject({ status: "safe", hazards: [], categories: [] });

    // The category filter: only reports whose verdict has it.
    const onlySexual = (await consoleQueue("status=open&category=sexual")).reports.filter((r) => Object.values(ids).includes(r.id));
    expect(onlySexual.map((r) => r.id)).toEqual([ids.child, ids.sexual]);
    const onlyFraud = (await consoleQueue("status=open&category=fraud")).reports.filter((r) => Object.values(ids).includes(r.id));
    expect(onlyFraud.map((r) => r.id)).toEqual([ids.fraud]);
  });

  it("audits every automatic step; a verdict never bans, and suspends matching only when the operator turned that on", async () => {
    const p = await conversationSaying(["你多大", "我才十四岁"]);
    const id = await reportBob(p);
    expect(await verdictOf(id)).toMatchObject({ status: "unsafe", hazards: "S4", severity: 0 });
    expect(await auditCount("ai_triage_unsafe", `report:${id}`)).toBe(1);
    let bob = await findUser(env.DB, p.bob.user.id);
    expect(bob).toMatchObject({ bannedAt: null, matchingSuspendedAt: null });
    expect(await auditCount("ai_suspend_matching", p.bob.user.id)).toBe(0);

    await triageReport({ ...env, AI_SUSPEND_ON_CHILD_SAFETY: "true" }, id);
    bob = await findUser(env.DB, p.bob.user.id);
    expect(bob?.matchingSuspendedAt).toEqual(expect.any(Number));
    expect(bob?.bannedAt).toBeNull();
    expect(await auditCount("ai_suspend_matching", p.bob.user.id)).toBe(1);
    expect(await auditCount("ai_triage_unsafe", `report:${id}`)).toBe(2);

    // Not child safety: the same setting suspends nobody.
    const q = await conversationSaying(["hi", "出来约炮"]);
    await triageReport({ ...env, AI_SUSPEND_ON_CHILD_SAFETY: "true" }, await reportBob(q));
    expect((await findUser(env.DB, q.bob.user.id))?.matchingSuspendedAt).toBeNull();
  });

  it.each([
    ["a timeout", "[slow] 你好"],
    ["an error", "[error] 你好"],
    ["a malformed answer", "[malformed] 我砍死你"],
  ])("fails open on %s: the report waits in the queue unclassified by the model, as without one", async (_, line) => {
    const p = await conversationSaying(["在吗", line]);
    const id = await reportBob(p);
    expect(await verdictOf(id)).toMatchObject({ status: "failed", hazards: "", severity: 4 });
    expect(await auditCount("ai_triage_failed", `report:${id}`)).toBe(1);
    const queued = (await consoleQueue()).reports.find((r) => r.id === id);
    expect(queued).toMatchObject({ severity: 4, verdict: { status: "failed", categories: [] }, handledAt: null });
  });

  it("never holds up the report: it is answered before the (slow) model has said anything", async () => {
    const p = await conversationSaying(["在吗", "[slow] 我砍死你"]);
    const id = await reportBob(p); // 204 already
    const early = await env.DB.prepare("SELECT count(*) AS n FROM ai_verdicts WHERE report_id = ?").bind(id).first<{ n: number }>();
    expect(early?.n).toBe(0);
    expect((await consoleQueue()).reports.find((r) => r.id === id)).toMatchObject({ verdict: null, severity: 4 });
    expect(await verdictOf(id)).toMatchObject({ status: "failed" });
  });

  it("reads Llama Guard's plain-text answer form too", async () => {
    const p = await conversationSaying(["在吗", "[text] 我不想活了"]);
    expect(await verdictOf(await reportBob(p))).toMatchObject({ status: "unsafe", hazards: "S11", categories: ",self_harm,", severity: 1 });
  });

  it("stops at the daily budget: past it reports queue unclassified and the console says so", async () => {
    const p = await conversationSaying(["你好", "我砍死你"]);
    const first = await reportBob(p);
    await verdictOf(first);
    const used = await usedToday(env.DB, Date.now());
    const capped = { ...env, AI_DAILY_BUDGET: String(used) };
    await triageReport(capped, first);
    expect(await verdictOf(first)).toMatchObject({ status: "over_budget", hazards: "", severity: 4 });
    expect(await usedToday(env.DB, Date.now())).toBe(used); // nothing was charged, so nothing was asked
    expect(await auditCount("ai_triage_over_budget", `report:${first}`)).toBe(1);
    const { reports, triage } = await consoleQueue();
    expect(reports.find((r) => r.id === first)?.verdict?.status).toBe("over_budget");
    expect(triage).toEqual({ model: "@cf/meta/llama-guard-3-8b", budget: 2000, usedToday: used });
  });

  it("charges the budget atomically: concurrent charges never pass the cap", async () => {
    const day = Date.UTC(2001, 0, 1);
    const results = await Promise.all(Array.from({ length: 8 }, () => chargeBudget(env.DB, day, 5)));
    expect(results.filter(Boolean)).toHaveLength(5);
    expect(await chargeBudget(env.DB, day, 0)).toBe(false);
  });

  it("sends the model message text and sides only — no user ids — cut to the stated size", async () => {
    const long = "长".repeat(500);
    const p = await conversationSaying(Array.from({ length: 20 }, (_, i) => (i === 19 ? `我砍死你 ${long}` : `第${i}句 ${long}`)));
    const id = await reportBob(p);
    await verdictOf(id);
    const seen: unknown[] = [];
    const spy: SafetyModel = {
      async run(model, inputs) {
        seen.push({ model, inputs });
        return { response: { safe: true, categories: [] } };
      },
    };
    await triageReport({ ...env, AI: spy as unknown as Ai }, id);
    expect(seen).toHaveLength(1);
    const sent = JSON.stringify(seen[0]);
    for (const secret of [p.alice.user.id, p.bob.user.id, p.conversationId]) expect(sent).not.toContain(secret);
    const { messages } = (seen[0] as { inputs: { messages: { role: string; content: string }[] } }).inputs;
    expect(messages).toHaveLength(1);
    expect([...messages[0].content].length).toBeLessThanOrEqual(MODEL_INPUT_MAX);
    expect(messages[0].content).toMatch(/^\[(reporter|reported)\] /);
    expect(messages[0].content.split("\n").every((l) => /^\[(reporter|reported)\] /.test(l))).toBe(true);
  });

  it("retention removes a verdict once its report is gone (the reporter erased themselves), and old ones", async () => {
    const p = await conversationSaying(["你好", "我砍死你"]);
    const id = await reportBob(p);
    await verdictOf(id);
    const gone = await api("/api/me", { method: "DELETE", token: p.alice.token });
    expect(gone.status).toBe(200);
    await deleteStaleVerdicts(env.DB, 0);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM ai_verdicts WHERE report_id = ?").bind(id).first<{ n: number }>();
    expect(left?.n).toBe(0);
  });
});
