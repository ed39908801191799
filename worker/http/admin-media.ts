import { audit } from "../db/admin";
import { findImage, imagesOfConversation } from "../db/images";
import type { ImageRow } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../errors";
import { publicOrigin, signMediaUrl } from "../media/signed-url";
import type { AdminImage, AdminImagesResponse } from "../protocol";
import { newApp } from "./app";

// Admin: which pictures a conversation had (the row stays after a failed check removed the bytes),
// and a short-lived link to look at one that is still stored (pending or passed). Mounted by the
// admin app (admin-app.ts) at /api/admin, behind its requireAdmin.

const ADMIN_LINK_MS = 5 * 60 * 1000;

async function describe(env: Env, origin: string, row: ImageRow, now: number): Promise<AdminImage> {
  const stored = row.status === "passed" || row.status === "pending";
  return {
    id: row.id,
    conversationId: row.conversationId,
    senderId: row.senderId,
    status: row.status,
    contentType: row.contentType,
    bytes: row.bytes,
    width: row.width,
    height: row.height,
    createdAt: row.createdAt,
    checkedAt: row.checkedAt,
    url: stored ? await signMediaUrl(env, origin, row.id, "admin", now + ADMIN_LINK_MS) : null,
  };
}

export const adminMedia = newApp()
  .get("/conversations/:id/images", async (c) => {
    const conversationId = c.req.param("id");
    const rows = await imagesOfConversation(c.env.DB, conversationId);
    const now = Date.now();
    const origin = publicOrigin(c.env, c.req.url);
    await audit(c.env.DB, "list_images", conversationId, rows.length);
    return c.json({ images: await Promise.all(rows.map((r) => describe(c.env, origin, r, now))) } satisfies AdminImagesResponse);
  })
  .get("/images/:id", async (c) => {
    const row = await findImage(c.env.DB, c.req.param("id"));
    if (!row) throw new AppError("not_found", "No such picture", 404);
    await audit(c.env.DB, "view_image", row.id, 1);
    return c.json(await describe(c.env, publicOrigin(c.env, c.req.url), row, Date.now()));
  });
