import { bodyLimit } from "hono/body-limit";
import { findImage } from "../db/images";
import { AppError } from "../errors";
import { uploadImage } from "../media/upload";
import { publicOrigin, verifyMediaUrl } from "../media/signed-url";
import { getImageObject } from "../media/store";
import { openTicket } from "../platform/ticket";
import { LIMITS } from "../protocol";
import { newApp } from "./app";
import { requireUser } from "./session";

/** Multipart framing around one picture and two short fields. */
const FORM_OVERHEAD = 16 * 1024;

const tooLarge = () => {
  throw new AppError("payload_too_large", `A picture is ${LIMITS.imageMaxBytes} bytes at most`, 413);
};

function field(form: FormData, name: string): string | null {
  const value = form.get(name);
  return typeof value === "string" ? value : null;
}

/**
 * POST /api/media — multipart/form-data as wx.uploadFile sends it: `file` (the picture),
 * `conversationId`, and `ticket` (the login's check ticket). Session token in Authorization.
 * GET /api/media/:id?scope=&expires=&sig= — the picture, for a valid, unexpired signed link.
 */
export const media = newApp()
  .post("/", bodyLimit({ maxSize: LIMITS.imageMaxBytes + FORM_OVERHEAD, onError: tooLarge }), requireUser(), async (c) => {
    let form: FormData;
    try {
      form = await c.req.raw.formData();
    } catch {
      throw new AppError("bad_request", "Send the picture as multipart/form-data (wx.uploadFile)", 400);
    }
    const file = form.get("file");
    const conversationId = field(form, "conversationId")?.trim() ?? "";
    if (!(file instanceof File)) throw new AppError("bad_request", "Invalid file: attach the picture as `file`", 400);
    if (conversationId === "" || conversationId.length > 64) throw new AppError("bad_request", "Invalid conversationId", 400);
    const user = c.var.user;
    const ticket = field(form, "ticket");
    const now = Date.now();
    const openid = ticket ? await openTicket(c.env, ticket, now, user.id) : null;
    const result = await uploadImage(
      c.env,
      {
        user,
        conversationId,
        bytes: new Uint8Array(await file.arrayBuffer()),
        openid,
        origin: publicOrigin(c.env, c.req.url),
      },
      now,
    );
    return c.json(result, 201);
  })
  .get("/:id", async (c) => {
    const id = c.req.param("id");
    const now = Date.now();
    const check = await verifyMediaUrl(c.env, id, new URL(c.req.url).searchParams, now);
    if (!check.ok) {
      if (check.reason === "expired") throw new AppError("link_expired", "This picture link has expired; ask for a new one", 403);
      throw new AppError("forbidden", "This picture link is not valid", 403);
    }
    const row = await findImage(c.env.DB, id);
    // A view link shows only a passed picture; check and admin links also serve it while pending.
    const allowed = row && (row.status === "passed" || (check.scope !== "view" && row.status === "pending"));
    const object = allowed ? await getImageObject(c.env, id) : null;
    if (!row || !object) throw new AppError("not_found", "No such picture", 404);
    const expires = Number(new URL(c.req.url).searchParams.get("expires")) * 1000;
    return new Response(object.body, {
      headers: {
        "Content-Type": row.contentType,
        "Content-Length": String(object.size),
        "Cache-Control": `private, max-age=${Math.max(0, Math.floor((expires - now) / 1000))}`,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'",
      },
    });
  });
