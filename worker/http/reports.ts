import { z } from "zod";
import { createReport } from "../report";
import { roomStub } from "../room/client";
import { newApp } from "./app";
import { requireUser } from "./session";
import { validate } from "./validate";

const reportBody = z.object({
  conversationId: z.string().trim().min(1).max(64),
  // Length and blankness are checked by createReport, the same way for the room socket's report.
  reason: z.string(),
  messageId: z.string().min(1).max(64).optional(),
});

/** POST /api/reports: report the partner of one of your conversations; it also blocks them. */
export const reports = newApp()
  .use(requireUser())
  .post("/", validate("json", reportBody), async (c) => {
    const { conversationId, reason, messageId } = c.req.valid("json");
    const { endedKept } = await createReport(c.env, { reporterId: c.var.user.id, conversationId, reason, messageId });
    if (endedKept) await roomStub(c.env, conversationId).endKept();
    return c.body(null, 204);
  });
