import { asc, eq } from "drizzle-orm";
import { auditStatement, CHANGED_ROWS } from "./admin";
import { db } from "./client";
import { filterWords } from "./schema";

export async function listFilterWords(d1: D1Database): Promise<string[]> {
  const rows = await db(d1).select({ word: filterWords.word }).from(filterWords).orderBy(asc(filterWords.word)).all();
  return rows.map((r) => r.word);
}

/** Adds words (already normalized, at least one); returns the rows that were new. */
export function addFilterWordsStatement(d1: D1Database, words: readonly string[], now: number) {
  return db(d1)
    .insert(filterWords)
    .values(words.map((word) => ({ word, createdAt: now })))
    .onConflictDoNothing()
    .returning({ word: filterWords.word });
}

/** Adds words (already normalized); returns how many were new. */
export async function addFilterWords(d1: D1Database, words: readonly string[], now: number): Promise<number> {
  if (words.length === 0) return 0;
  return (await addFilterWordsStatement(d1, words, now)).length;
}

export function removeFilterWordStatement(d1: D1Database, word: string) {
  return db(d1).delete(filterWords).where(eq(filterWords.word, word)).returning({ word: filterWords.word });
}

/** Adds words (normalized, at least one) with the admin's audit row in one batch. */
export async function addFilterWordsWithAudit(d1: D1Database, words: readonly string[], now: number): Promise<void> {
  await db(d1).batch([
    addFilterWordsStatement(d1, words, now),
    auditStatement(d1, "add_filter_words", words.join(","), CHANGED_ROWS),
  ]);
}

/** Removes a word with the admin's audit row in one batch; false when there was no such word. */
export async function removeFilterWordWithAudit(d1: D1Database, word: string): Promise<boolean> {
  const [removed] = await db(d1).batch([
    removeFilterWordStatement(d1, word),
    auditStatement(d1, "remove_filter_word", word, CHANGED_ROWS),
  ]);
  return removed.length > 0;
}

/** Fills an empty table with `defaults`; returns the list as it now stands. */
export async function seedFilterWords(d1: D1Database, defaults: readonly string[], now: number): Promise<string[]> {
  await addFilterWords(d1, defaults, now);
  return listFilterWords(d1);
}
