// Pictures without the room (issue 14): upload with session and check ticket, R2 under a random
// key, WeChat's asynchronous check answered by a signed push (pass / risky / never), QQ's
// synchronous check, and signed, expiring links. The room's calls are imageForRoom/imageViewUrl.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { findImage } from "../../worker/db/images";
import { expireOverdueImages, imageForRoom, imageViewUrl, settleImage } from "../../worker/media/outcome";
import { signMediaUrl, verifyMediaUrl } from "../../worker/media/signed-url";
import { deleteConversationImages, deleteOldImages } from "../../worker/media/store";
import { checkWaitMs, IMAGE_UPLOAD_RULE, MAX_PENDING_PER_SENDER } from "../../worker/media/upload";
import { LIMITS } from "../../worker/protocol";
import { adminApi, api, devLogin, enter, platformPair, sendAndAck } from "./helpers";
import {
  deliver,
  mediaJob,
  objectExists,
  png,
  traceOf,
  upload,
  uploadOk,
  wechatAnswers,
} from "./media-helpers";

const ORIGIN = "https://onechat.test";

async function imagesOf(conversationId: string) {
  return (await env.DB.prepare("SELECT id FROM images WHERE conversation_id = ?").bind(conversationId).all()).results;
}

describe("WeChat: upload, asynchronous check, push", () => {
  it("stores a pending picture and asks mediaCheckAsync v2 with the ticket's openid and a signed URL", async () => {
    const { alice, conversationId } = await platformPair("wechat");
    const file = png(640, 480);
    const uploaded = await uploadOk(alice.token, conversationId, file, alice.checkTicket);
    expect(uploaded).toMatchObject({ status: "pending", contentType: "image/png", width: 640, height: 480, bytes: file.length });
    expect(uploaded.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await objectExists(uploaded.id)).toBe(true);

    const job = await mediaJob(await traceOf(uploaded.id));
    expect(job).toMatchObject({ media_type: 2, version: 2, scene: 2, openid: expect.stringMatching(/^openid-img-/) });
    expect(job.media_url.startsWith(`${ORIGIN}/api/media/${uploaded.id}?`)).toBe(true);
    expect(job.media_url).toContain("scope=check");
    // What WeChat fetches is exactly the upload.
    const fetched = await SELF.fetch(job.media_url);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await fetched.arrayBuffer())).toEqual(file);
    // The openid is nowhere in D1.
    const row = JSON.stringify(await findImage(env.DB, uploaded.id));
    expect(row).not.toContain(job.openid);

    // Until the answer: pending for the room, no link for the partner.
    expect(await imageForRoom(env, uploaded.id, conversationId, alice.user.id)).toMatchObject({ status: "pending" });
    expect(await imageViewUrl(env, ORIGIN, uploaded.id)).toBeNull();
    const early = await signMediaUrl(env, ORIGIN, uploaded.id, "view", Date.now() + 60_000);
    expect((await SELF.fetch(early)).status).toBe(404);
  });

  it("a pass push makes it viewable through a signed link; a replay changes nothing", async () => {
    const { alice, bob, conversationId } = await platformPair("wechat");
    const file = png(100, 100);
    const { id } = await uploadOk(alice.token, conversationId, file, alice.checkTicket);
    const push = await wechatAnswers(await traceOf(id));
    const res = await deliver(push);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("success");

    expect(await imageForRoom(env, id, conversationId, alice.user.id)).toMatchObject({ status: "passed", width: 100, height: 100 });
    const link = await imageViewUrl(env, ORIGIN, id);
    expect(link).toContain("scope=view");
    const view = await SELF.fetch(link!);
    expect(view.status).toBe(200);
    expect(view.headers.get("cache-control")).toMatch(/^private, max-age=\d+$/);
    expect(new Uint8Array(await view.arrayBuffer())).toEqual(file);

    const checkedAt = (await findImage(env.DB, id))!.checkedAt;
    expect((await deliver(push)).status).toBe(200);
    expect((await findImage(env.DB, id))!.checkedAt).toBe(checkedAt);
    // The room only answers for the sender's own picture in its own room.
    expect(await imageForRoom(env, id, conversationId, bob.user.id)).toBeNull();
    expect(await imageForRoom(env, id, "another-room", alice.user.id)).toBeNull();
  });

  it("a risky (or review) push removes the picture from R2 and it is never served", async () => {
    for (const word of ["RISKY", "REVIEW"]) {
      const { alice, conversationId } = await platformPair("wechat");
      const { id } = await uploadOk(alice.token, conversationId, png(50, 50, word), alice.checkTicket);
      const job = await mediaJob(await traceOf(id));
      expect((await deliver(await wechatAnswers(job.trace_id))).status).toBe(200);
      expect(await imageForRoom(env, id, conversationId, alice.user.id)).toMatchObject({ status: "rejected" });
      expect(await objectExists(id)).toBe(false);
      expect((await SELF.fetch(job.media_url)).status).toBe(404);
      expect(await imageViewUrl(env, ORIGIN, id)).toBeNull();
    }
  });

  it("a check WeChat could not do counts as failed", async () => {
    const { alice, conversationId } = await platformPair("wechat");
    const { id } = await uploadOk(alice.token, conversationId, png(50, 50, "CHECKFAIL"), alice.checkTicket);
    expect((await deliver(await wechatAnswers(await traceOf(id)))).status).toBe(200);
    expect((await findImage(env.DB, id))!.status).toBe("expired");
    expect(await objectExists(id)).toBe(false);
  });

  it("never answered: expires at its deadline (sweep, or when the room asks) and is removed", async () => {
    const { alice, conversationId } = await platformPair("wechat");
    const swept = await uploadOk(alice.token, conversationId, png(50, 50, "SILENT"), alice.checkTicket);
    const asked = await uploadOk(alice.token, conversationId, png(50, 50, "SILENT"), alice.checkTicket);
    expect(await wechatAnswers(await traceOf(swept.id))).toEqual({ silent: true });

    const row = (await findImage(env.DB, swept.id))!;
    expect(row.checkDeadline - row.createdAt).toBe(checkWaitMs(env));
    // Before the deadline nothing happens to it (earlier tests' pictures may expire here).
    await expireOverdueImages(env, row.checkDeadline - 1);
    expect((await findImage(env.DB, swept.id))!.status).toBe("pending");
    expect(await objectExists(swept.id)).toBe(true);

    const later = row.checkDeadline + 60_000;
    expect(await imageForRoom(env, asked.id, conversationId, alice.user.id, later)).toMatchObject({ status: "expired" });
    expect((await expireOverdueImages(env, later)).length).toBeGreaterThanOrEqual(1);
    expect((await findImage(env.DB, swept.id))!.status).toBe("expired");
    expect(await objectExists(swept.id)).toBe(false);
    expect(await objectExists(asked.id)).toBe(false);
    // A push arriving after expiry changes nothing.
    expect(await settleImage(env, { id: swept.id }, "passed")).toBeNull();
    expect((await findImage(env.DB, swept.id))!.status).toBe("expired");
  });

  it("a push for an unknown trace_id is not acknowledged, so WeChat retries it", async () => {
    const { alice, conversationId } = await platformPair("wechat");
    const { id } = await uploadOk(alice.token, conversationId, png(10, 10), alice.checkTicket);
    const push = await wechatAnswers(await traceOf(id));
    if ("silent" in push) throw new Error("silent");
    const body = JSON.parse(push.body);
    body.trace_id = "trace-unknown";
    const res = await deliver({ query: push.query, body: JSON.stringify(body) });
    expect(res.status).toBe(404);
    expect((await findImage(env.DB, id))!.status).toBe("pending");
  });

  it("refuses the upload when the check is down, keeping nothing", async () => {
    const { alice, conversationId } = await platformPair("wechat", "mediadown");
    const res = await upload(alice.token, { conversationId, file: png(10, 10), ticket: alice.checkTicket });
    expect(res.status).toBe(503);
    expect((await res.json<any>()).error.code).toBe("moderation_unavailable");
    expect(await imagesOf(conversationId)).toEqual([]);
  });

  it(`holds at most ${MAX_PENDING_PER_SENDER} pictures per sender waiting for the check`, async () => {
    const { alice, conversationId } = await platformPair("wechat");
    for (let i = 0; i < MAX_PENDING_PER_SENDER; i++) await uploadOk(alice.token, conversationId, png(10, 10), alice.checkTicket);
    const res = await upload(alice.token, { conversationId, file: png(10, 10), ticket: alice.checkTicket });
    expect(res.status).toBe(429);
    expect((await res.json<any>()).error.code).toBe("rate_limited");
  });
});

describe("upload refusals", () => {
  const code = async (res: Response) => [res.status, (await res.json<any>()).error.code];

  it("needs a session, a conversation of one's own, and (WeChat) a valid ticket of one's own", async () => {
    const { alice, bob, conversationId } = await platformPair("wechat");
    const outsider = await platformPair("wechat");
    expect(await code(await upload(undefined, { conversationId, file: png(1, 1), ticket: alice.checkTicket }))).toEqual([401, "unauthorized"]);
    expect(await code(await upload(outsider.alice.token, { conversationId, file: png(1, 1), ticket: outsider.alice.checkTicket }))).toEqual([
      404,
      "not_found",
    ]);
    expect(await code(await upload(alice.token, { conversationId, file: png(1, 1) }))).toEqual([401, "ticket_required"]);
    expect(await code(await upload(alice.token, { conversationId, file: png(1, 1), ticket: bob.checkTicket }))).toEqual([401, "ticket_required"]);
    expect(await code(await upload(alice.token, { conversationId, file: png(1, 1), ticket: "forged" }))).toEqual([401, "ticket_required"]);
    expect(await imagesOf(conversationId)).toEqual([]);
  });

  it("checks type and size from the bytes, not from what the client says", async () => {
    const { alice, conversationId } = await platformPair("wechat");
    const ticket = alice.checkTicket;
    const html = new TextEncoder().encode("<html><script>alert(1)</script></html>");
    expect(await code(await upload(alice.token, { conversationId, file: html, ticket }))).toEqual([415, "unsupported_image"]);
    expect(await code(await upload(alice.token, { conversationId, file: new Uint8Array(), ticket }))).toEqual([400, "unsupported_image"]);
    const tall = png(10, LIMITS.imageMaxSide + 1);
    expect(await code(await upload(alice.token, { conversationId, file: tall, ticket }))).toEqual([413, "image_too_large"]);
    const many = png(4000, 4001);
    expect(await code(await upload(alice.token, { conversationId, file: many, ticket }))).toEqual([413, "image_too_large"]);
    expect(await code(await upload(alice.token, { conversationId, file: png(0, 10), ticket }))).toEqual([413, "image_too_large"]);
    const huge = new Uint8Array(LIMITS.imageMaxBytes + 1);
    huge.set(png(10, 10));
    expect(await code(await upload(alice.token, { conversationId, file: huge, ticket }))).toEqual([413, "payload_too_large"]);
    expect(await code(await upload(alice.token, { conversationId, ticket }))).toEqual([400, "bad_request"]);
    expect(await code(await upload(alice.token, { file: png(1, 1), ticket }))).toEqual([400, "bad_request"]);
    const json = await api("/api/media", { method: "POST", token: alice.token, json: { conversationId } });
    expect(await code(json)).toEqual([400, "bad_request"]);
    expect(await imagesOf(conversationId)).toEqual([]);
  });

  it("accepts a picture just under the byte limit (the 16 KiB REST limit does not apply)", async () => {
    const user = await devLogin();
    const other = await devLogin();
    const { getOrCreateConversation } = await import("./helpers");
    const conversation = await getOrCreateConversation(env.DB, user.user.id, other.user.id, Date.now());
    const big = new Uint8Array(LIMITS.imageMaxBytes);
    big.set(png(10, 10));
    const uploaded = await uploadOk(user.token, conversation.id, big);
    // Dev users have no platform to ask (dev login is off in production): passed at once.
    expect(uploaded).toMatchObject({ status: "passed", bytes: LIMITS.imageMaxBytes });
  });
});

describe("upload rate", () => {
  it(`allows ${IMAGE_UPLOAD_RULE.burst} uploads back to back per person, then 429`, async () => {
    const { alice, bob, conversationId } = await platformPair("qq");
    for (let i = 0; i < IMAGE_UPLOAD_RULE.burst; i++) await uploadOk(alice.token, conversationId, png(5, 5));
    const res = await upload(alice.token, { conversationId, file: png(5, 5) });
    expect(res.status).toBe(429);
    expect((await res.json<any>()).error.code).toBe("rate_limited");
    // Per person: the partner is not held back.
    await uploadOk(bob.token, conversationId, png(5, 5));
  });
});

describe("QQ: synchronous ImgSecCheck", () => {
  it("passes at once, refuses risky pictures keeping nothing, and refuses when the check is down", async () => {
    const { alice, conversationId } = await platformPair("qq");
    const ok = await uploadOk(alice.token, conversationId, png(20, 30));
    expect(ok).toMatchObject({ status: "passed", width: 20, height: 30 });
    expect(await objectExists(ok.id)).toBe(true);
    expect((await SELF.fetch((await imageViewUrl(env, ORIGIN, ok.id))!)).status).toBe(200);

    const risky = await upload(alice.token, { conversationId, file: png(20, 30, "RISKY") });
    expect(risky.status).toBe(422);
    expect((await risky.json<any>()).error.code).toBe("content_rejected");
    const down = await upload(alice.token, { conversationId, file: png(20, 30, "DOWN") });
    expect(down.status).toBe(503);
    expect((await down.json<any>()).error.code).toBe("moderation_unavailable");
    expect((await imagesOf(conversationId)).map((r: any) => r.id)).toEqual([ok.id]);
  });
});

describe("signed links", () => {
  it("expire, and cannot be altered (id, scope, expiry or signature)", async () => {
    const { alice, conversationId } = await platformPair("qq");
    const { id } = await uploadOk(alice.token, conversationId, png(20, 20));
    const now = Date.now();
    const link = new URL(await signMediaUrl(env, ORIGIN, id, "view", now + 5_000));
    expect(await verifyMediaUrl(env, id, link.searchParams, now)).toEqual({ ok: true, scope: "view" });
    expect(await verifyMediaUrl(env, id, link.searchParams, now + 5_000)).toEqual({ ok: false, reason: "expired" });

    const expired = await signMediaUrl(env, ORIGIN, id, "view", now - 1000);
    const res = await SELF.fetch(expired);
    expect(res.status).toBe(403);
    expect((await res.json<any>()).error.code).toBe("link_expired");

    const tamper = async (edit: (u: URL) => void) => {
      const u = new URL(link);
      edit(u);
      const r = await SELF.fetch(u.toString());
      return [r.status, (await r.json<any>()).error.code];
    };
    expect(await tamper((u) => u.searchParams.set("expires", String(Number(u.searchParams.get("expires")) + 3600)))).toEqual([403, "forbidden"]);
    expect(await tamper((u) => u.searchParams.set("scope", "check"))).toEqual([403, "forbidden"]);
    expect(await tamper((u) => u.searchParams.set("sig", "0".repeat(64)))).toEqual([403, "forbidden"]);
    expect(await tamper((u) => u.searchParams.delete("sig"))).toEqual([403, "forbidden"]);
    const other = await uploadOk(alice.token, conversationId, png(20, 20));
    expect(await tamper((u) => (u.pathname = `/api/media/${other.id}`))).toEqual([403, "forbidden"]);
    expect((await SELF.fetch(link.toString())).status).toBe(200);
  });
});

describe("erasure and retention remove pictures from R2 too", () => {
  async function twoPictures() {
    const p = await platformPair("qq");
    const a = await uploadOk(p.alice.token, p.conversationId, png(20, 20));
    const b = await uploadOk(p.bob.token, p.conversationId, png(20, 20));
    return { ...p, ids: [a.id, b.id] };
  }
  const gone = async (ids: string[]) => {
    for (const id of ids) {
      expect(await objectExists(id)).toBe(false);
      expect(await findImage(env.DB, id)).toBeUndefined();
    }
  };

  it("both participants deleting the conversation (one alone keeps them for the other)", async () => {
    const p = await twoPictures();
    const { ws } = await enter(`/api/rooms/${p.conversationId}?ticket=${encodeURIComponent(p.alice.checkTicket!)}`, p.alice.token);
    expect(await sendAndAck(ws, "a message beside the pictures")).toMatchObject({ type: "ack" });
    ws.close();
    expect((await api(`/api/conversations/${p.conversationId}`, { method: "DELETE", token: p.alice.token })).status).toBe(200);
    for (const id of p.ids) expect(await objectExists(id)).toBe(true);
    expect((await api(`/api/conversations/${p.conversationId}`, { method: "DELETE", token: p.bob.token })).status).toBe(200);
    await gone(p.ids);
  });

  it("self-erasure: what the partner received stays theirs until they delete it; what nobody received goes", async () => {
    const p = await twoPictures();
    const [, bobsSent] = p.ids;
    const unsent = (await uploadOk(p.bob.token, p.conversationId, png(20, 20))).id;
    const { ws } = await enter(`/api/rooms/${p.conversationId}?ticket=${encodeURIComponent(p.bob.checkTicket!)}`, p.bob.token);
    ws.send({ type: "image", clientId: crypto.randomUUID(), imageId: bobsSent });
    expect(await ws.next("ack")).toMatchObject({ type: "ack" });
    expect((await api("/api/me", { method: "DELETE", token: p.bob.token })).status).toBe(200);
    await gone([unsent]);
    for (const id of p.ids) expect(await objectExists(id)).toBe(true);
    expect((await api(`/api/conversations/${p.conversationId}`, { method: "DELETE", token: p.alice.token })).status).toBe(200);
    await gone(p.ids);
  });

  it("admin deletes", async () => {
    const p = await twoPictures();
    expect((await adminApi(`/api/admin/conversations/${p.conversationId}`, { method: "DELETE" })).status).toBe(200);
    await gone(p.ids);
    const q = await twoPictures();
    expect((await adminApi(`/api/admin/users/${q.alice.user.id}/messages`, { method: "DELETE" })).status).toBe(200);
    await gone(q.ids);
  });

  it("retention: only pictures older than the cutoff", async () => {
    const p = await twoPictures();
    const [old, recent] = p.ids;
    const cutoff = Date.now() - 30 * 24 * 3600 * 1000;
    await env.DB.prepare("UPDATE images SET created_at = ? WHERE id = ?").bind(cutoff - 1, old).run();
    expect(await deleteOldImages(env, cutoff)).toBeGreaterThanOrEqual(1);
    await gone([old]);
    expect(await objectExists(recent)).toBe(true);
  });
});

describe("admin", () => {
  it("sees every picture a conversation had, and can look at the ones still stored", async () => {
    const { alice, conversationId } = await platformPair("wechat");
    const pending = await uploadOk(alice.token, conversationId, png(40, 40), alice.checkTicket);
    const risky = await uploadOk(alice.token, conversationId, png(40, 40, "RISKY"), alice.checkTicket);
    await deliver(await wechatAnswers(await traceOf(risky.id)));

    expect((await api(`/api/admin/conversations/${conversationId}/images`, { token: alice.token })).status).toBe(401);
    const res = await adminApi(`/api/admin/conversations/${conversationId}/images`);
    expect(res.status).toBe(200);
    const { images } = await res.json<{ images: any[] }>();
    expect(images.map((i) => [i.id, i.status])).toEqual([
      [pending.id, "pending"],
      [risky.id, "rejected"],
    ]);
    expect(images[1].url).toBeNull();
    // An admin link shows a pending picture, which a view link never does.
    expect(images[0].url).toContain("scope=admin");
    expect((await SELF.fetch(images[0].url)).status).toBe(200);
    const asView = new URL(images[0].url);
    asView.searchParams.set("scope", "view");
    expect((await SELF.fetch(asView.toString())).status).toBe(403);

    const one = await adminApi(`/api/admin/images/${pending.id}`);
    expect(await one.json()).toMatchObject({ id: pending.id, senderId: alice.user.id, width: 40, url: expect.any(String) });
    expect((await adminApi("/api/admin/images/nope")).status).toBe(404);
  });
});

describe("deleting a conversation's pictures", () => {
  it("removes the R2 objects and the rows", async () => {
    const { alice, conversationId } = await platformPair("qq");
    const a = await uploadOk(alice.token, conversationId, png(20, 20));
    const b = await uploadOk(alice.token, conversationId, png(20, 20));
    expect(await deleteConversationImages(env, conversationId)).toBe(2);
    expect(await objectExists(a.id)).toBe(false);
    expect(await objectExists(b.id)).toBe(false);
    expect(await imagesOf(conversationId)).toEqual([]);
  });
});

