// How bad a report looks, as one number: the open-report queue is ordered by it (then newest first,
// db/report-order.ts). 0 is the worst. The reporter's own choice counts as much as the model's
// verdict for child safety: a "疑似未成年" report is rank 0 with or without a model.
import type { AiCategory } from "./hazards";

export const SEVERITY = {
  /** Model S4 (child sexual exploitation), or the reporter said 疑似未成年. */
  childSafety: 0,
  /** Violence or self-harm. */
  violence: 1,
  sexual: 2,
  fraud: 3,
  /** Everything else, including unclassified and "safe" reports. */
  rest: 4,
} as const;

/** Each console category's severity rank (the report queue and the evaluation share it). */
export const CATEGORY_RANK: Record<AiCategory, number> = {
  child: SEVERITY.childSafety,
  violence: SEVERITY.violence,
  self_harm: SEVERITY.violence,
  sexual: SEVERITY.sexual,
  fraud: SEVERITY.fraud,
  hate: SEVERITY.rest,
  privacy: SEVERITY.rest,
  defamation: SEVERITY.rest,
  other: SEVERITY.rest,
};

/** The worst rank among a verdict's categories (SEVERITY.rest when there are none). */
export function severityOf(categories: readonly AiCategory[]): number {
  return categories.reduce((worst, c) => Math.min(worst, CATEGORY_RANK[c]), SEVERITY.rest as number);
}

/** A report's rank from the reporter's side (today: only the suspected-minor reason counts) and the verdict's. */
export function reportSeverity(reporterSaysMinor: boolean, verdictSeverity: number | null): number {
  return Math.min(reporterSaysMinor ? SEVERITY.childSafety : SEVERITY.rest, verdictSeverity ?? SEVERITY.rest);
}
