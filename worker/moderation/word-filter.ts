import { listFilterWords, seedFilterWords } from "../db/filter-words";
import { DEFAULT_FILTER_WORDS } from "./default-words";
import { normalizeForFilter, withoutInsertions } from "./normalize";
import { WordMatcher } from "./word-matcher";

// The local filter reads its list from D1 at most once per CACHE_MS per isolate, so the room
// does not query D1 per message. An admin's edit reaches every room within that time.

export const FILTER_CACHE_MS = 30_000;

let cache: { words: readonly string[]; until: number } | null = null;
let loading: Promise<readonly string[]> | null = null;

/** Forget this isolate's copy (after an admin edit, and in tests). */
export function invalidateFilterCache(): void {
  cache = null;
}

/** The normalized filter words; seeds the defaults when the table is empty. */
export async function filterWords(d1: D1Database, now = Date.now()): Promise<readonly string[]> {
  if (cache && cache.until > now) return cache.words;
  loading ??= (async () => {
    try {
      let words = await listFilterWords(d1);
      if (words.length === 0) {
        words = await seedFilterWords(d1, DEFAULT_FILTER_WORDS.map(normalizeForFilter), now);
      }
      cache = { words, until: now + FILTER_CACHE_MS };
      return words;
    } catch (error) {
      // D1 hiccup: keep filtering with the last list we had rather than failing every message.
      if (cache) return cache.words;
      throw error;
    } finally {
      loading = null;
    }
  })();
  return loading;
}

// One compiled matcher per word list: the cached list is one array until it is reloaded.
const matchers = new WeakMap<readonly string[], WordMatcher>();

/** The first filter word found in `text` once normalized (see normalize.ts), or null. */
export function findFilterWord(words: readonly string[], text: string): string | null {
  const normalized = normalizeForFilter(text);
  if (normalized === "") return null;
  let matcher = matchers.get(words);
  if (!matcher) {
    matcher = new WordMatcher(words);
    matchers.set(words, matcher);
  }
  const found = matcher.find(normalized);
  if (found !== null) return found;
  // "约ab炮", "约1炮": one or two letters or digits slipped between a word's Chinese characters.
  const squeezed = withoutInsertions(normalized);
  return squeezed === null ? null : matcher.find(squeezed);
}
