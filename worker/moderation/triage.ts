// Automatic triage: a report's snapshot, or a flagged message, is classified by the safety model
// after the fact (never on the relay path or before an ack), within a daily budget, and the verdict
// stored for the console. A verdict never bans; an operator may let a child-safety verdict suspend
// matching pending review. Every step writes an audit row. Failures leave things as without a model.
import { auditStatement } from "../db/admin";
import { setMatchingSuspended } from "../db/adult";
import { chargeBudget, reportForTriage, saveVerdict, type NewVerdict } from "../db/ai-verdicts";
import { flagVar, numberVar, type Env } from "../env";
import { logEvent } from "../log";
import type { ReportSnapshotMessage } from "../protocol";
import { categoriesOf } from "./hazards";
import { classify, LLAMA_GUARD_MODEL, type GuardResult, type ModelLine, type SafetyModel } from "./llama-guard";
import { severityOf, SEVERITY } from "./severity";

export const DEFAULT_AI_DAILY_BUDGET = 2000;
export const DEFAULT_AI_TIMEOUT_MS = 10_000;

/** The AI binding when one is configured (it is optional: dev and tests without it run as before). */
export function safetyModel(env: Env): SafetyModel | null {
  return env.AI ?? null;
}

export function aiBudget(env: Env): number {
  return numberVar(env.AI_DAILY_BUDGET, DEFAULT_AI_DAILY_BUDGET);
}

/**
 * One charged classification: null when over the day's budget (nothing was asked), else the
 * model's result (which may be a failure). Shared by triage and the care check.
 */
export async function classifyWithinBudget(env: Env, ai: SafetyModel, lines: readonly ModelLine[], now = Date.now()): Promise<GuardResult | null> {
  if (!(await chargeBudget(env.DB, now, aiBudget(env)))) return null;
  const started = Date.now();
  const result = await classify(ai, lines, numberVar(env.AI_TIMEOUT_MS, DEFAULT_AI_TIMEOUT_MS));
  logEvent(result.ok ? "info" : "warn", "ai.classify", { ok: result.ok, reason: result.ok ? undefined : result.reason, durationMs: Date.now() - started });
  return result;
}

type Subject = { reportId: number; messageId: null } | { reportId: null; messageId: string };

function verdictRow(subject: Subject, result: GuardResult | null, now: number): NewVerdict {
  if (result === null || !result.ok) {
    return { ...subject, status: result === null ? "over_budget" : "failed", hazards: "", categories: "", severity: SEVERITY.rest, model: LLAMA_GUARD_MODEL, at: now };
  }
  const categories = categoriesOf(result.hazards);
  return {
    ...subject,
    status: result.safe ? "safe" : "unsafe",
    hazards: result.hazards.join(","),
    categories: categories.length ? `,${categories.join(",")},` : "",
    severity: severityOf(categories),
    model: LLAMA_GUARD_MODEL,
    at: now,
  };
}

/** The audit action of a triage outcome: ai_triage_unsafe, _safe, _over_budget or _failed. */
function auditAction(row: NewVerdict): string {
  return `ai_triage_${row.status}`;
}

/** Suspends matching for `userId` when the operator allows it and the verdict is child safety. */
async function maybeSuspend(env: Env, row: NewVerdict, userId: string): Promise<void> {
  if (!flagVar(env.AI_SUSPEND_ON_CHILD_SAFETY) || row.severity !== SEVERITY.childSafety || row.status !== "unsafe") return;
  const done = await setMatchingSuspended(env.DB, userId, Date.now());
  if (done) await auditStatement(env.DB, "ai_suspend_matching", userId, 1);
}

/** Triage of one report (run in waitUntil after the report is stored). */
export async function triageReport(env: Env, reportId: number): Promise<void> {
  const ai = safetyModel(env);
  if (!ai) return;
  const report = await reportForTriage(env.DB, reportId);
  if (!report) return;
  const snapshot = JSON.parse(report.snapshot) as ReportSnapshotMessage[];
  // Text and sides only; a picture's entry is its id, which says nothing to the model.
  const lines = snapshot.filter((m) => !m.text.startsWith('{"id"')).map((m): ModelLine => ({ side: m.from, text: m.text }));
  const now = Date.now();
  const result = await classifyWithinBudget(env, ai, lines, now);
  const row = verdictRow({ reportId, messageId: null }, result, now);
  await saveVerdict(env.DB, row, { action: auditAction(row), target: `report:${reportId}`, count: row.hazards ? row.hazards.split(",").length : null });
  await maybeSuspend(env, row, report.reportedId);
}

export interface FlaggedText {
  messageId: string;
  senderId: string;
  text: string;
}

/**
 * Triage of one flagged message (the word filter or the platform's "review"); returns the model's
 * result so the care check can use it (S11 in the writer's own words).
 */
export async function triageFlag(env: Env, flag: FlaggedText): Promise<GuardResult | null> {
  const ai = safetyModel(env);
  if (!ai) return null;
  const now = Date.now();
  const result = await classifyWithinBudget(env, ai, [{ side: "reported", text: flag.text }], now);
  const row = verdictRow({ reportId: null, messageId: flag.messageId }, result, now);
  await saveVerdict(env.DB, row, { action: auditAction(row), target: `message:${flag.messageId}`, count: row.hazards ? row.hazards.split(",").length : null });
  await maybeSuspend(env, row, flag.senderId);
  return result;
}
