// The safety model's verdicts and its daily budget. A verdict and its audit row are one batch.
import { and, eq, inArray, isNotNull, lt, notExists, or, sql } from "drizzle-orm";
import { auditStatement } from "./admin";
import { AI_CATEGORIES, type AiCategory, type AiVerdict } from "../protocol";
import { db } from "./client";
import { aiBudget, aiVerdicts, reports, type AiVerdictRow } from "./schema";

export type NewVerdict = Omit<AiVerdictRow, "id">;

/** A verdict row (or a left join's nulls) as the admin API shows it. */
export function toAiVerdict(v: Partial<Pick<AiVerdictRow, "status" | "hazards" | "categories" | "model" | "at">> | null): AiVerdict | null {
  if (!v || !v.status || v.at == null) return null;
  return {
    status: v.status,
    hazards: v.hazards ? v.hazards.split(",") : [],
    categories: (v.categories ?? "").split(",").filter((c): c is AiCategory => (AI_CATEGORIES as readonly string[]).includes(c)),
    model: v.model ?? "",
    at: v.at,
  };
}

/** The UTC day a classification is charged to. */
export function budgetDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/**
 * Takes one classification from the day's budget; false once `cap` are used. One statement: the
 * check and the charge cannot be split by a concurrent caller.
 */
export async function chargeBudget(d1: D1Database, now: number, cap: number): Promise<boolean> {
  if (cap < 1) return false;
  const rows = await db(d1)
    .insert(aiBudget)
    .values({ day: budgetDay(now), used: 1 })
    .onConflictDoUpdate({ target: aiBudget.day, set: { used: sql`${aiBudget.used} + 1` }, setWhere: lt(aiBudget.used, cap) })
    .returning({ used: aiBudget.used });
  return rows.length === 1;
}

export async function usedToday(d1: D1Database, now: number): Promise<number> {
  const row = await db(d1).select({ used: aiBudget.used }).from(aiBudget).where(eq(aiBudget.day, budgetDay(now))).get();
  return row?.used ?? 0;
}

/** Stores (or replaces) a verdict and its audit row in one batch. */
export async function saveVerdict(d1: D1Database, verdict: NewVerdict, audit: { action: string; target: string; count: number | null }) {
  const orm = db(d1);
  const key = verdict.reportId !== null ? aiVerdicts.reportId : aiVerdicts.messageId;
  const { id: _id, ...set } = { id: 0, ...verdict };
  await orm.batch([
    orm.insert(aiVerdicts).values(verdict).onConflictDoUpdate({ target: key, set }),
    auditStatement(d1, audit.action, audit.target, audit.count),
  ]);
}

export async function verdictsForMessages(d1: D1Database, messageIds: readonly string[]): Promise<AiVerdictRow[]> {
  if (messageIds.length === 0) return [];
  return db(d1).select().from(aiVerdicts).where(inArray(aiVerdicts.messageId, messageIds.slice(0, 90))).all();
}

/** What triage needs of a report: its snapshot and the reported person (never sent to the model). */
export async function reportForTriage(d1: D1Database, reportId: number) {
  return db(d1)
    .select({ id: reports.id, reportedId: reports.reportedId, snapshot: reports.snapshot })
    .from(reports)
    .where(eq(reports.id, reportId))
    .get();
}

/**
 * Retention: verdicts older than `cutoff`, verdicts whose report is gone (erasure, retention), and
 * past budget days. A verdict holds no text, but it says something about a report that no longer exists.
 */
export async function deleteStaleVerdicts(d1: D1Database, cutoff: number): Promise<number> {
  const orm = db(d1);
  const [gone] = await orm.batch([
    orm
      .delete(aiVerdicts)
      .where(
        or(
          lt(aiVerdicts.at, cutoff),
          and(isNotNull(aiVerdicts.reportId), notExists(orm.select({ one: reports.id }).from(reports).where(eq(reports.id, aiVerdicts.reportId)))),
        ),
      )
      .returning({ id: aiVerdicts.id }),
    orm.delete(aiBudget).where(lt(aiBudget.day, budgetDay(cutoff))),
  ]);
  return gone.length;
}
