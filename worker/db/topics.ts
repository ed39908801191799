// The topic catalogue's rows (worker/topics.ts decides what an empty table means).
import { asc, eq } from "drizzle-orm";
import type { AdminTopic } from "../protocol";
import { db } from "./client";
import { topics } from "./schema";

function parsePrompts(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((p): p is string => typeof p === "string") : [];
  } catch {
    return [];
  }
}

export async function loadTopicRows(d1: D1Database): Promise<AdminTopic[]> {
  const rows = await db(d1).select().from(topics).orderBy(asc(topics.position), asc(topics.id));
  return rows.map((r) => ({ id: r.id, title: r.title, prompts: parsePrompts(r.prompts), position: r.position, listed: r.listed }));
}

/**
 * Saves one topic. The first save copies the defaults in (one batch) so editing one topic never
 * makes the others vanish.
 */
export async function saveTopic(d1: D1Database, topic: AdminTopic, defaults: readonly AdminTopic[]): Promise<void> {
  const orm = db(d1);
  const row = (t: AdminTopic) => ({ id: t.id, title: t.title, prompts: JSON.stringify(t.prompts), position: t.position, listed: t.listed });
  const seed = orm.insert(topics).values(defaults.map(row)).onConflictDoNothing();
  const upsert = orm.insert(topics).values(row(topic)).onConflictDoUpdate({ target: topics.id, set: row(topic) });
  const any = await orm.select({ id: topics.id }).from(topics).limit(1);
  if (any.length === 0) await orm.batch([seed, upsert]);
  else await upsert;
}

/** Removes a topic; false if there was none. Seeds the defaults first, as saveTopic does. */
export async function deleteTopic(d1: D1Database, id: string, defaults: readonly AdminTopic[]): Promise<boolean> {
  const orm = db(d1);
  const any = await orm.select({ id: topics.id }).from(topics).limit(1);
  if (any.length === 0) {
    const rest = defaults.filter((t) => t.id !== id);
    if (rest.length === defaults.length) return false;
    await orm.insert(topics).values(rest.map((t) => ({ id: t.id, title: t.title, prompts: JSON.stringify(t.prompts), position: t.position, listed: t.listed })));
    return true;
  }
  const gone = await orm.delete(topics).where(eq(topics.id, id)).returning({ id: topics.id });
  return gone.length > 0;
}
