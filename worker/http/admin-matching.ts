import { audit } from "../db/admin";
import { setMatchingSuspended } from "../db/adult";
import { takeOutOfLobby } from "../disconnect";
import { AppError } from "../errors";
import type { AdminMatchingResponse } from "../protocol";
import { newApp } from "./app";

// Admin: suspend a user's matching until reviewed (e.g. a "疑似未成年" report), and lift it.
// Existing conversations keep working; new matches are refused (403 matching_suspended), and
// someone waiting right now is taken out of the queue at once with the same code. Mounted by the
// admin app (admin-app.ts) at /api/admin, behind its requireAdmin.
export const adminMatching = newApp()
  .post("/users/:id/suspend-matching", async (c) => {
    const userId = c.req.param("id");
    const row = await setMatchingSuspended(c.env.DB, userId, Date.now());
    if (!row) throw new AppError("not_found", "No such user", 404);
    await takeOutOfLobby(c.env, userId, "matching_suspended");
    await audit(c.env.DB, "suspend_matching", userId, 1);
    return c.json({ id: userId, matchingSuspendedAt: row.matchingSuspendedAt } satisfies AdminMatchingResponse);
  })
  .post("/users/:id/resume-matching", async (c) => {
    const userId = c.req.param("id");
    const row = await setMatchingSuspended(c.env.DB, userId, null);
    if (!row) throw new AppError("not_found", "No such user", 404);
    await audit(c.env.DB, "resume_matching", userId, 1);
    return c.json({ id: userId, matchingSuspendedAt: null } satisfies AdminMatchingResponse);
  });
