// One call to Llama Guard 3 on Workers AI (@cf/meta/llama-guard-3-8b): the text in, a verdict out.
// Only message text and sides ever reach the model, never an id or a hash; the input is cut to a
// stated size; an error, a timeout or an answer out of format is a failure the caller fails open on.
import { isHazardCode, type HazardCode } from "./hazards";

export const LLAMA_GUARD_MODEL = "@cf/meta/llama-guard-3-8b";
/** Each message is cut to this many code points, and the whole input to MODEL_INPUT_MAX (latest kept). */
export const MODEL_LINE_MAX = 200;
export const MODEL_INPUT_MAX = 2000;

/** Whose words a line is. In a report: the two sides; on the care path: only the writer's own. */
export type Side = "reporter" | "reported" | "writer";
export interface ModelLine {
  side: Side;
  text: string;
}

export type GuardResult =
  | { ok: true; safe: boolean; hazards: HazardCode[] }
  | { ok: false; reason: "timeout" | "error" | "malformed" };

/** The binding's one method we use (the real `Ai`, or the tests' fake answering in its format). */
export interface SafetyModel {
  run(model: string, inputs: Record<string, unknown>): Promise<unknown>;
}

function cut(text: string, max: number): string {
  const points = [...text];
  return points.length <= max ? text : points.slice(0, max).join("");
}

/** The transcript the model reads: "[side] text" a line, each cut, the oldest dropped past the total. */
export function modelInput(lines: readonly ModelLine[]): string {
  const kept: string[] = [];
  let size = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = `[${lines[i].side}] ${cut(lines[i].text.replace(/\s+/g, " ").trim(), MODEL_LINE_MAX)}`;
    const length = [...line].length + 1;
    if (size + length > MODEL_INPUT_MAX) break;
    kept.unshift(line);
    size += length;
  }
  return kept.join("\n");
}

/**
 * Llama Guard's answer: with `response_format: json_object`, `{ response: { safe, categories } }`;
 * the plain text form ("safe", or "unsafe\nS1,S10") is accepted too. Anything else is null.
 */
export function parseGuardAnswer(output: unknown): { safe: boolean; hazards: HazardCode[] } | null {
  if (typeof output !== "object" || output === null) return null;
  const response = (output as { response?: unknown }).response;
  if (typeof response === "string") return parseGuardText(response);
  if (typeof response !== "object" || response === null) return null;
  const { safe, categories } = response as { safe?: unknown; categories?: unknown };
  if (typeof safe !== "boolean") return null;
  if (safe) return { safe, hazards: [] };
  if (!Array.isArray(categories) || categories.length === 0 || !categories.every(isHazardCode)) return null;
  return { safe, hazards: [...new Set(categories)] };
}

function parseGuardText(text: string): { safe: boolean; hazards: HazardCode[] } | null {
  const [first, second = ""] = text.trim().split(/\s*\n\s*/);
  if (first === "safe") return { safe: true, hazards: [] };
  if (first !== "unsafe") return null;
  const codes = second.split(/\s*,\s*/).filter((c) => c !== "");
  if (codes.length === 0 || !codes.every(isHazardCode)) return null;
  return { safe: false, hazards: [...new Set(codes as HazardCode[])] };
}

/** Asks the model about `lines` (as one user turn: the model classifies the last user turn). */
export async function classify(ai: SafetyModel, lines: readonly ModelLine[], timeoutMs: number): Promise<GuardResult> {
  const content = modelInput(lines);
  if (content === "") return { ok: true, safe: true, hazards: [] };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const answer = await Promise.race([
      ai.run(LLAMA_GUARD_MODEL, {
        messages: [{ role: "user", content }],
        response_format: { type: "json_object" },
        temperature: 0,
        max_tokens: 64,
      }),
      timeout,
    ]);
    if (answer === "timeout") return { ok: false, reason: "timeout" };
    const verdict = parseGuardAnswer(answer);
    return verdict ? { ok: true, ...verdict } : { ok: false, reason: "malformed" };
  } catch {
    return { ok: false, reason: "error" };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
