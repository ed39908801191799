// Llama Guard 3's hazard codes (S1–S14, MLCommons taxonomy) and the console's words for them.
// The console speaks in categories, not codes: several codes share one (S3 and S12 are both 色情).

export const HAZARD_CODES = ["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10", "S11", "S12", "S13", "S14"] as const;
export type HazardCode = (typeof HAZARD_CODES)[number];

import { AI_CATEGORIES, type AiCategory } from "../protocol";

export { AI_CATEGORIES, type AiCategory };

/** What each code means to Llama Guard, and the console category it is shown as. */
export const HAZARDS: Record<HazardCode, { name: string; category: AiCategory }> = {
  S1: { name: "Violent Crimes", category: "violence" },
  S2: { name: "Non-Violent Crimes (incl. fraud and scams)", category: "fraud" },
  S3: { name: "Sex-Related Crimes", category: "sexual" },
  S4: { name: "Child Sexual Exploitation", category: "child" },
  S5: { name: "Defamation", category: "defamation" },
  S6: { name: "Specialized Advice", category: "other" },
  S7: { name: "Privacy", category: "privacy" },
  S8: { name: "Intellectual Property", category: "other" },
  S9: { name: "Indiscriminate Weapons", category: "violence" },
  S10: { name: "Hate", category: "hate" },
  S11: { name: "Suicide & Self-Harm", category: "self_harm" },
  S12: { name: "Sexual Content", category: "sexual" },
  S13: { name: "Elections", category: "other" },
  S14: { name: "Code Interpreter Abuse", category: "other" },
};

export function isHazardCode(value: unknown): value is HazardCode {
  return typeof value === "string" && (HAZARD_CODES as readonly string[]).includes(value);
}

/** The distinct console categories of some hazard codes, in AI_CATEGORIES order. */
export function categoriesOf(codes: readonly HazardCode[]): AiCategory[] {
  const seen = new Set(codes.map((c) => HAZARDS[c].category));
  return AI_CATEGORIES.filter((c) => seen.has(c));
}
