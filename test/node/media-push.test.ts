// The picture check end to end over real HTTP: the worker in Miniflare asks the fake WeChat's
// mediaCheckAsync, the fake fetches the picture from the worker's signed URL and pushes its
// verdict back to the worker's push endpoint, signed and AES-encrypted (safe mode), as WeChat does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImageUploadResponse, LoginResponse } from "../../worker/protocol";
import type { LocalWorker } from "../../scripts/local-worker";
import { startWithPlatform, type PlatformServer } from "./helpers";

const PUSH_TOKEN = "node-push-token";
const AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

let worker: LocalWorker;
let platform: PlatformServer;

beforeAll(async () => {
  ({ worker, platform } = await startWithPlatform({ vars: { WECHAT_PUSH_TOKEN: PUSH_TOKEN, WECHAT_PUSH_AES_KEY: AES_KEY } }));
  const res = await fetch(`${platform.url}/__fake/push-target`, {
    method: "POST",
    body: JSON.stringify({ url: `${worker.url}/api/platform/push/wechat`, token: PUSH_TOKEN, aesKey: AES_KEY }),
  });
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await worker?.stop();
  await platform?.close();
});

async function wechatLogin(): Promise<LoginResponse> {
  const res = await fetch(`${worker.url}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ platform: "wechat", code: `push-${crypto.randomUUID()}` }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as LoginResponse;
}

/** The pair's conversation row, as the lobby would have written it. */
async function conversationOf(a: string, b: string): Promise<string> {
  const db = await worker.mf.getD1Database("DB");
  const id = `conv-${crypto.randomUUID()}`;
  const [userA, userB] = [a, b].sort();
  await db.prepare("INSERT INTO conversations (id, user_a, user_b, created_at) VALUES (?, ?, ?, ?)").bind(id, userA, userB, Date.now()).run();
  return id;
}

function png(tail: string): Uint8Array<ArrayBuffer> {
  const head = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0, 0, 0, 0, 200, 8, 6, 0, 0, 0];
  return new Uint8Array([...head, ...new TextEncoder().encode(`${tail}-${crypto.randomUUID()}`)]);
}

async function send(login: LoginResponse, conversationId: string, file: Uint8Array<ArrayBuffer>): Promise<ImageUploadResponse> {
  const form = new FormData();
  form.set("file", new Blob([file], { type: "image/png" }), "photo.png");
  form.set("conversationId", conversationId);
  form.set("ticket", login.checkTicket!);
  const res = await fetch(`${worker.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${login.token}` }, body: form });
  expect(res.status).toBe(201);
  return (await res.json()) as ImageUploadResponse;
}

/** Waits for the verdict to land in D1 (the test's timeout bounds the wait). */
async function settled(id: string): Promise<string> {
  const db = await worker.mf.getD1Database("DB");
  for (;;) {
    const row = await db.prepare("SELECT status FROM images WHERE id = ?").bind(id).first<{ status: string }>();
    if (row && row.status !== "pending") return row.status;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("WeChat's picture check through the message push", () => {
  it("passes a clean picture and removes a risky one from R2", async () => {
    const alice = await wechatLogin();
    const bob = await wechatLogin();
    const conversationId = await conversationOf(alice.user.id, bob.user.id);
    const bucket = await worker.mf.getR2Bucket("MEDIA");

    const clean = await send(alice, conversationId, png("pixels"));
    const risky = await send(alice, conversationId, png("RISKY"));
    expect(clean.status).toBe("pending");
    expect(await settled(clean.id)).toBe("passed");
    expect(await settled(risky.id)).toBe("rejected");
    expect(await bucket.head(`images/${clean.id}`)).not.toBeNull();
    expect(await bucket.head(`images/${risky.id}`)).toBeNull();
    const stats = (await (await fetch(`${platform.url}/__fake/stats`)).json()) as { mediaCheckCalls: number };
    expect(stats.mediaCheckCalls).toBeGreaterThanOrEqual(2);
  });
});
