import { ConverterFactory, Locale, type DictLike } from "opencc-js/t2cn";
import { foldConfusables } from "./confusables";

// One spelling for matching, so cheap disguises read as the word they hide: compatibility forms
// folded (NFKC: fullwidth, mathematical alphanumerics), look-alike letters folded to Latin
// (confusables.ts: Cyrillic, Greek, small capitals), right-to-left overrides applied as displayed,
// invisible characters dropped (format, nonspacing and enclosing marks, variation selectors, Hangul
// fillers, C0/C1 controls and DEL, private use, noncharacters, tag characters), lower case, spaces,
// punctuation and symbols dropped, and traditional characters folded to simplified (OpenCC's
// tables). "約 炮", "约\u0301炮", "约\u3164炮", "约\u0001炮", "约\uE000炮" and "\u202E炮约" all
// read as "约炮". Filter words are stored in this form too.

/**
 * Characters that show nothing: invisible fillers the Unicode categories do not cover alone,
 * controls (Cc: C0, DEL, C1), private use (Co), noncharacters and unpaired surrogates (Cs).
 * Tag characters (U+E0000–E007F) are Default_Ignorable.
 */
const INVISIBLE =
  "\\p{Default_Ignorable_Code_Point}\\p{Cf}\\p{Mn}\\p{Me}\\p{Cc}\\p{Co}\\p{Cs}\\p{Noncharacter_Code_Point}\\u115F\\u1160\\u3164\\uFFA0\\u2800";
const DROP = new RegExp(`[\\s\\p{P}\\p{S}${INVISIBLE}]`, "gu");
const ONLY_INVISIBLE = new RegExp(`^[\\s${INVISIBLE}]*$`, "u");
/**
 * One or two letters or digits that are not Chinese, between two Chinese characters: "约ab炮",
 * "约1炮". Matching also tries the text without them (word-filter.ts); symbols and spaces are
 * already gone by then, so "约 1炮" is "约1炮".
 */
const INSERTED = /(?<=\p{Script=Han})(?:(?!\p{Script=Han})[\p{L}\p{N}]){1,2}(?=\p{Script=Han})/gu;

const RLO = "\u202E";
/** Ends a right-to-left override: PDF, or the end of the line or paragraph. */
const OVERRIDE_END = /[\u202C\n\r\u2029]/;

// Built on first use (about 30 ms), so an isolate that never filters never pays for it.
let toSimplified: { convert: (text: string) => string; starts: Set<number> } | null = null;

/** Taiwan traditional → mainland simplified (OpenCC's tw → cn), and every code point a table entry starts with. */
function simplifier(): NonNullable<typeof toSimplified> {
  const groups = [...Locale.from.tw, ...Locale.to.cn];
  const starts = new Set<number>();
  const keysOf = (dict: DictLike) => (typeof dict === "string" ? dict.split("|").map((entry) => entry.split(" ")[0] ?? "") : dict.map(([key]) => key));
  for (const group of groups) for (const dict of group) for (const key of keysOf(dict)) if (key) starts.add(key.codePointAt(0)!);
  return { convert: ConverterFactory(...groups), starts };
}

/**
 * Folds to simplified only when some character starts a table entry: otherwise the tables change
 * nothing (Latin text, emoji, many simplified sentences), and the per-character walk is skipped.
 */
function simplified(text: string): string {
  toSimplified ??= simplifier();
  for (const ch of text) if (toSimplified.starts.has(ch.codePointAt(0)!)) return toSimplified.convert(text);
  return text;
}

/** True when `text` would look empty on screen (only spaces and invisible characters). */
export function isInvisible(text: string): boolean {
  return ONLY_INVISIBLE.test(text);
}

/** Text in the order it is displayed: each U+202E run (up to U+202C or a line end) reversed. */
export function applyRtlOverrides(text: string): string {
  if (!text.includes(RLO)) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf(RLO, i);
    if (start < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, start);
    const rest = text.slice(start + 1);
    const end = rest.search(OVERRIDE_END);
    const run = end < 0 ? rest : rest.slice(0, end);
    out += [...run].reverse().join("");
    i = end < 0 ? text.length : start + 1 + end;
  }
  return out;
}

// The last text normalized: a message is read by the word filter and then by the care check.
let lastText: string | null = null;
let lastNormalized = "";

export function normalizeForFilter(text: string): string {
  if (text === lastText) return lastNormalized;
  const folded = applyRtlOverrides(foldConfusables(text.normalize("NFKC"))).toLowerCase().replace(DROP, "");
  lastNormalized = folded === "" ? "" : simplified(folded);
  lastText = text;
  return lastNormalized;
}

/** A normalized text without up to two inserted non-Chinese letters or digits inside Chinese words, or null when it has none. */
export function withoutInsertions(normalized: string): string | null {
  const squeezed = normalized.replace(INSERTED, "");
  return squeezed === normalized ? null : squeezed;
}
