import { allHistoryDbs } from "../history/shards";
import { z } from "zod";
import { audit } from "../db/admin";
import { banWithAudit, unbanWithAudit } from "../db/bans";
import { addFilterWordsWithAudit, listFilterWords, removeFilterWordWithAudit } from "../db/filter-words";
import { listFlagged } from "../db/flags";
import { reportCursorText } from "../db/report-order";
import { listReports } from "../db/reports";
import { AppError } from "../errors";
import { logError } from "../log";
import { normalizeForFilter } from "../moderation/normalize";
import { filterWords, invalidateFilterCache } from "../moderation/word-filter";
import {
  type AdminBanResponse,
  type AdminFlaggedResponse,
  type AdminReportsResponse,
  type FilterWordsResponse,
} from "../protocol";
import { disconnectEverywhere } from "../disconnect";
import { newApp } from "./app";
import { reportView } from "./admin-report";
import { pageQuery, reportCursor, timeIdCursor, validate } from "./validate";

// Admin safety tools: reports, flagged messages, bans, the word filter. Mounted by the admin app
// (admin-app.ts) at /api/admin, behind its requireAdmin.

function flagCursor(raw: string | undefined) {
  const cursor = timeIdCursor(raw);
  return cursor && { at: cursor.at, messageId: cursor.id };
}

/** Filter words arrive as typed and are stored normalized; a word that normalizes to nothing is refused. */
const MAX_WORD = 50;
const wordsBody = z.object({ words: z.array(z.string().max(MAX_WORD)).min(1).max(100) });

function normalizeWord(raw: string): string {
  const word = normalizeForFilter(raw);
  if (word === "") throw new AppError("bad_request", "Invalid words: a word must contain letters or digits", 400);
  return word;
}

export const adminSafety = newApp()
  .get("/reports", validate("query", pageQuery), async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await listReports(c.env.DB, limit, reportCursor(cursor));
    await audit(c.env.DB, "list_reports", null, rows.length);
    return c.json({
      reports: rows.map(({ report }) => reportView(report)),
      nextCursor: rows.length === limit ? reportCursorText({ ...rows[rows.length - 1].report, severity: rows[rows.length - 1].severity }) : null,
    } satisfies AdminReportsResponse);
  })
  .get("/flagged", validate("query", pageQuery), async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await listFlagged(allHistoryDbs(c.env), limit, flagCursor(cursor));
    await audit(c.env.DB, "list_flagged", null, rows.length);
    const last = rows[rows.length - 1];
    return c.json({
      messages: rows,
      nextCursor: rows.length === limit ? `${last.at}:${last.messageId}` : null,
    } satisfies AdminFlaggedResponse);
  })
  .post("/users/:id/ban", async (c) => {
    const userId = c.req.param("id");
    // The ban and its audit row in one batch: a ban is never unrecorded. A user who erased
    // themselves after being reported is banned through their erasure row.
    const now = Date.now();
    const row = await banWithAudit(c.env.DB, userId, now);
    if (!row) throw new AppError("not_found", "No such user", 404);
    // The ban already holds for every new request and socket; this closes the ones open now.
    let closed = true;
    try {
      await disconnectEverywhere(c.env, userId, "banned");
    } catch (error) {
      closed = false;
      logError("admin.ban_sockets_not_closed", error, { userId });
    }
    if (!closed) await audit(c.env.DB, "ban_user_sockets_not_closed", userId, 1);
    return c.json({ id: userId, bannedAt: row.bannedAt } satisfies AdminBanResponse);
  })
  .post("/users/:id/unban", async (c) => {
    const userId = c.req.param("id");
    if (!(await unbanWithAudit(c.env.DB, userId))) throw new AppError("not_found", "No such user", 404);
    return c.json({ id: userId, bannedAt: null } satisfies AdminBanResponse);
  })
  .get("/filter-words", async (c) => {
    // Through the filter's loader, so an empty table shows the defaults it will be seeded with.
    invalidateFilterCache();
    const words = [...(await filterWords(c.env.DB))];
    await audit(c.env.DB, "list_filter_words", null, words.length);
    return c.json({ words } satisfies FilterWordsResponse);
  })
  .post("/filter-words", validate("json", wordsBody), async (c) => {
    const words = [...new Set(c.req.valid("json").words.map(normalizeWord))];
    // Seed first: adding to an empty table would otherwise stop the defaults from ever arriving.
    invalidateFilterCache();
    await filterWords(c.env.DB);
    await addFilterWordsWithAudit(c.env.DB, words, Date.now());
    invalidateFilterCache();
    return c.json({ words: await listFilterWords(c.env.DB) } satisfies FilterWordsResponse);
  })
  .delete("/filter-words/:word", async (c) => {
    const word = normalizeWord(c.req.param("word"));
    if (!(await removeFilterWordWithAudit(c.env.DB, word))) throw new AppError("not_found", "No such filter word", 404);
    invalidateFilterCache();
    return c.json({ words: await listFilterWords(c.env.DB) } satisfies FilterWordsResponse);
  });
