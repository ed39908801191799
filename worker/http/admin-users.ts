import { adminUserView } from "../message-view";
import { historyDbs } from "../history/shards";
import { audit, auditIntent, pageUserMessages, pageUsers, settleAudit } from "../db/admin";
import { findConversation } from "../db/conversations";
import { findUser } from "../db/users";
import { AppError } from "../errors";
import type { DeletedResponse } from "../protocol";
import { deleteConversationImages, deleteImagesOfUser } from "../media/store";
import { eraseConversation, eraseConversationsOf } from "../room/client";
import { newApp } from "./app";
import { pageQuery, timeIdCursor, validate } from "./validate";

// Admin: the users, what each one wrote, and erasing a user's messages or a whole conversation.
// Mounted by the admin app (admin-app.ts) at /api/admin, behind its requireAdmin.
export const adminUsers = newApp()
  .get("/users", validate("query", pageQuery), async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await pageUsers(c.env.DB, limit, cursor);
    await audit(c.env.DB, "list_users", null, rows.length);
    return c.json({
      users: rows.map((u) => ({
        id: u.id,
        platform: u.platform,
        createdAt: u.createdAt,
        lastSeenAt: u.lastSeenAt,
        bannedAt: u.bannedAt,
        adultConfirmedAt: u.adultConfirmedAt,
        matchingSuspendedAt: u.matchingSuspendedAt,
      })),
      nextCursor: rows.length === limit ? rows[rows.length - 1].id : null,
    });
  })
  .get("/users/:id/messages", validate("query", pageQuery), async (c) => {
    const userId = c.req.param("id");
    if (!(await findUser(c.env.DB, userId))) throw new AppError("not_found", "No such user", 404);
    const { limit, cursor } = c.req.valid("query");
    const rows = await pageUserMessages(historyDbs(c.env), userId, limit, timeIdCursor(cursor));
    await audit(c.env.DB, "view_user_messages", userId, rows.length);
    const last = rows[rows.length - 1];
    return c.json({
      messages: rows.map((m) => adminUserView(m, userId)),
      nextCursor: rows.length === limit ? `${last.createdAt}:${last.id}` : null,
    });
  })
  .delete("/users/:id/messages", async (c) => {
    const userId = c.req.param("id");
    if (!(await findUser(c.env.DB, userId))) throw new AppError("not_found", "No such user", 404);
    // Recorded before the rooms start erasing, so a failure halfway is still on record.
    const auditId = await auditIntent(c.env.DB, "delete_user_messages", userId);
    await deleteImagesOfUser(c.env, userId);
    const deleted = await eraseConversationsOf(c.env, userId);
    await settleAudit(c.env.DB, auditId, deleted);
    return c.json({ deleted } satisfies DeletedResponse);
  })
  .delete("/conversations/:id", async (c) => {
    const conversation = await findConversation(c.env.DB, c.req.param("id"));
    if (!conversation) throw new AppError("not_found", "No such conversation", 404);
    const auditId = await auditIntent(c.env.DB, "delete_conversation", conversation.id);
    await deleteConversationImages(c.env, conversation.id);
    const deleted = await eraseConversation(c.env, conversation.id);
    await settleAudit(c.env.DB, auditId, deleted);
    return c.json({ deleted } satisfies DeletedResponse);
  });
