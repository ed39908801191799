import { z } from "zod";
import { REPORT_CATEGORIES } from "../protocol";
import { createReport } from "../report";
import { roomStub } from "../room/client";
import { newApp } from "./app";
import { requireUser } from "./session";
import { validate } from "./validate";

const reportBody = z.object({
  conversationId: z.string().trim().min(1).max(64),
  category: z.enum(REPORT_CATEGORIES).optional(),
  // Length, and whether it may be left out, are checked by createReport, as for the room socket's report.
  reason: z.string().optional(),
  messageId: z.string().min(1).max(64).optional(),
});

/**
 * POST /api/reports: report the partner of one of your conversations (also one whose partner
 * erased their account); it also blocks them.
 */
export const reports = newApp()
  .use(requireUser())
  .post("/", validate("json", reportBody), async (c) => {
    const { conversationId, category, reason, messageId } = c.req.valid("json");
    const { endedKept } = await createReport(c.env, { reporterId: c.var.user.id, conversationId, category, reason, messageId, later: (work) => c.executionCtx.waitUntil(work) });
    if (endedKept) await roomStub(c.env, conversationId).endKept();
    return c.body(null, 204);
  });
