import { deleteUnsentImageRows, unsentImageIds } from "../db/images";
import type { Env } from "../env";
import { logEvent } from "../log";
import { deleteImageObjects } from "./store";

// Uploads never sent in a message. An upload must be taken into a message within ORPHAN_AFTER_MS
// (the room refuses it later: room/images.ts); the cron (every 10 minutes) deletes what was not,
// object and row, so pictures nobody sent are not kept for the retention period.

/** How long an upload may wait to be sent in a message. */
export const ORPHAN_AFTER_MS = 30 * 60 * 1000;
/**
 * The sweep deletes only uploads late by this much more: a room whose clock runs a little behind
 * the cron's can still have taken one in time, and that one must not lose its object.
 */
export const ORPHAN_GRACE_MS = 60 * 1000;
/** The cron that runs the sweep (wrangler.toml [triggers]). */
export const ORPHAN_CRON = "*/10 * * * *";

/** Deletes uploads not sent in time: objects first, then rows (a failure leaves rows to retry from). */
export async function deleteOrphanImages(env: Env, now = Date.now(), batch = 500, maxBatches = 20): Promise<number> {
  const cutoff = now - ORPHAN_GRACE_MS;
  let deleted = 0;
  for (let i = 0; i < maxBatches; i++) {
    const ids = await unsentImageIds(env.DB, cutoff, batch);
    await deleteImageObjects(env, ids);
    deleted += await deleteUnsentImageRows(env.DB, ids, cutoff);
    if (ids.length < batch) break;
  }
  if (deleted > 0) logEvent("info", "media.orphans_deleted", { deleted });
  return deleted;
}
