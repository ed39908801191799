import { env, SELF } from "cloudflare:test";
import { expect } from "vitest";
import { findImage } from "../../worker/db/images";
import type { ImageUploadResponse } from "../../worker/protocol";
import { api } from "./helpers";

export const fakeBase = () => env.WECHAT_API_BASE!;

/** A PNG as far as its header goes (signature and IHDR), then `tail` (the fake's steering words). */
export function png(width: number, height: number, tail = "pixels"): Uint8Array {
  const head = new Uint8Array(33);
  head.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const view = new DataView(head.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  head.set([8, 6, 0, 0, 0], 24);
  const rest = new TextEncoder().encode(`${tail}-${crypto.randomUUID()}`);
  const out = new Uint8Array(head.length + rest.length);
  out.set(head);
  out.set(rest, head.length);
  return out;
}

export function upload(
  token: string | undefined,
  fields: { conversationId?: string; ticket?: string; file?: Uint8Array; filename?: string },
): Promise<Response> {
  const form = new FormData();
  if (fields.file) form.set("file", new Blob([fields.file], { type: "image/png" }), fields.filename ?? "photo.png");
  if (fields.conversationId !== undefined) form.set("conversationId", fields.conversationId);
  if (fields.ticket !== undefined) form.set("ticket", fields.ticket);
  return api("/api/media", { method: "POST", token, body: form });
}

export async function uploadOk(token: string, conversationId: string, file: Uint8Array, ticket?: string) {
  const res = await upload(token, { conversationId, file, ticket });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json<ImageUploadResponse>();
}

export async function traceOf(imageId: string): Promise<string> {
  const row = await findImage(env.DB, imageId);
  expect(row?.traceId).toBeTruthy();
  return row!.traceId!;
}

export interface MediaJob {
  trace_id: string;
  media_url: string;
  media_type: number;
  version: number;
  scene: number;
  openid: string;
}

export async function mediaJob(traceId: string): Promise<MediaJob> {
  const res = await fetch(`${fakeBase()}/__fake/media-checks/${traceId}`);
  expect(res.status).toBe(200);
  return res.json<MediaJob>();
}

export type BuiltPush = { query: Record<string, string>; body: string } | { silent: true };

/**
 * Plays the network between WeChat and the worker: the fake's job is fetched from its media_url
 * through the worker, as WeChat would, and the push the fake builds from those bytes is returned.
 */
export async function wechatAnswers(traceId: string, config: { token?: string; aesKey?: string } = {}): Promise<BuiltPush> {
  const job = await mediaJob(traceId);
  const picture = await SELF.fetch(job.media_url);
  const bytes = picture.ok ? await picture.arrayBuffer() : new TextEncoder().encode("CHECKFAIL");
  const query = new URLSearchParams({ token: config.token ?? "test-push-token" });
  if (config.aesKey) query.set("aesKey", config.aesKey);
  const res = await fetch(`${fakeBase()}/__fake/media-checks/${traceId}/push?${query}`, { method: "POST", body: bytes });
  expect(res.status).toBe(200);
  return res.json<BuiltPush>();
}

export function pushRequest(push: { query: Record<string, string>; body: string }): Request {
  return new Request(`https://onechat.test/api/platform/push/wechat?${new URLSearchParams(push.query)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: push.body,
  });
}

export function deliver(push: BuiltPush): Promise<Response> {
  if ("silent" in push) throw new Error("the fake stayed silent");
  return SELF.fetch(pushRequest(push));
}

export async function objectExists(imageId: string): Promise<boolean> {
  return (await env.MEDIA.head(`images/${imageId}`)) !== null;
}
