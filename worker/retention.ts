import { audit } from "./db/admin";
import { deleteStaleVerdicts } from "./db/ai-verdicts";
import {
  clearStaleLastMessageAt,
  deleteOldMessages,
  deleteOldMinutes,
  deleteOldReports,
  deleteStaleFlags,
  deleteUserAndHistory,
  inactiveUserIds,
} from "./db/retention";
import { deleteExpiredErasures } from "./db/erasure";
import { deleteExpiredRecalled, RECALL_EVIDENCE_MS } from "./db/recalled";
import { allHistoryDbs, historyDbs } from "./history/shards";
import { numberVar, type Env } from "./env";
import { logError, logEvent, since } from "./log";
import { endRoomsOf, eraseConversationsOf } from "./room/client";

// The scheduled retention run: D1 keeps messages, reports and flags for RETENTION_DAYS, and users
// with no activity for as long are removed with their conversations. Rooms prune their own storage.

const DAY_MS = 24 * 60 * 60 * 1000;
/** Conversations whose old messages go in one D1 batch. */
const CONVERSATION_BATCH = 50;
/** Bounds one run; whatever is left waits for the next (the cron runs daily). */
const MAX_MESSAGE_BATCHES = 40;
const MAX_USERS_PER_RUN = 200;
/** A flag may reach D1 before its message; after this long a flag without its message is an orphan. */
const FLAG_ORPHAN_GRACE_MS = 60 * 60 * 1000;

export interface RetentionResult {
  cutoff: number;
  users: number;
  messages: number;
  reports: number;
  flags: number;
}

export function retentionDays(env: Env): number {
  return numberVar(env.RETENTION_DAYS, 30);
}

export async function runRetention(env: Env, now = Date.now()): Promise<RetentionResult> {
  const started = Date.now();
  const cutoff = now - retentionDays(env) * DAY_MS;
  let messages = 0;

  // Users first: erasing through their rooms also clears what the rooms still hold for them.
  const gone = await inactiveUserIds(historyDbs(env), cutoff, MAX_USERS_PER_RUN);
  let users = 0;
  for (const userId of gone) {
    try {
      await endRoomsOf(env, userId);
      messages += await eraseConversationsOf(env, userId);
      messages += await deleteUserAndHistory(historyDbs(env), userId);
      users++;
    } catch (error) {
      // One unreachable room must not stop the run; this user is tried again tomorrow.
      logError("retention.user_erase_failed", error, { userId });
    }
  }

  for (let i = 0; i < MAX_MESSAGE_BATCHES; i++) {
    const done = await deleteOldMessages(historyDbs(env), cutoff, CONVERSATION_BATCH);
    messages += done.messages;
    if (done.conversations < CONVERSATION_BATCH) break;
  }
  await clearStaleLastMessageAt(env.DB, cutoff);
  await deleteOldMinutes(allHistoryDbs(env), now);
  // Self-erasures older than the cutoff: the blocks others kept against those ids go now.
  await deleteExpiredErasures(historyDbs(env), cutoff, MAX_USERS_PER_RUN);
  const reports = await deleteOldReports(env.DB, cutoff);
  const flags = await deleteStaleFlags(allHistoryDbs(env), cutoff, now - FLAG_ORPHAN_GRACE_MS);
  await deleteStaleVerdicts(env.DB, cutoff);
  // Recalled texts are kept for reports only within their own, shorter window.
  const recalled = await deleteExpiredRecalled(env.DB, now - RECALL_EVIDENCE_MS);

  await audit(env.DB, "retention", `users:${users} reports:${reports} flags:${flags} recalled:${recalled}`, messages);
  logEvent("info", "retention.run", { users, failedUsers: gone.length - users, messages, reports, flags, recalled, durationMs: since(started) });
  return { cutoff, users, messages, reports, flags };
}
