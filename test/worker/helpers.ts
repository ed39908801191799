import { env, SELF } from "cloudflare:test";
import { expect } from "vitest";
import { loadJoiners } from "../../worker/db/admission";
import { getOrCreateConversations } from "../../worker/db/conversations";
import type { ConversationRow } from "../../worker/db/schema";
import type { LoginResponse, MessagesResponse } from "../../worker/protocol";

export const ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

/** One pair's conversation through the lobby's batched opener (getOrCreateConversations). */
export async function getOrCreateConversation(d1: D1Database, u1: string, u2: string, now: number): Promise<ConversationRow> {
  const [row] = await getOrCreateConversations(d1, [[u1, u2]], now);
  return row;
}

/** Whom `userId` must never meet, as a lobby shard loads it on join (loadJoiners). */
export async function blockedPartnerIds(d1: D1Database, userId: string): Promise<string[]> {
  return (await loadJoiners(d1, [userId], { rematch: Date.now() - 24 * 60 * 60_000, watch: Date.now() })).get(userId)?.blocked ?? [];
}

/** Unique per call, so test files and tests never share users by accident. */
export function uniqueName(prefix = "user"): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** A client address of its own (TEST-NET-2/3 and 2001:db8::/32), so per-client limits never couple tests. */
export function randomAddress(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint16Array(3));
  return `2001:db8:${a.toString(16)}:${b.toString(16)}:${c.toString(16)}::1`;
}

/** Through the worker as one client would call it; each call is a new client address unless CF-Connecting-IP is given. */
export async function api(path: string, init: RequestInit & { token?: string; json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (!headers.has("CF-Connecting-IP")) headers.set("CF-Connecting-IP", randomAddress());
  if (init.token) headers.set("Authorization", `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(init.json);
  }
  return SELF.fetch(`https://onechat.test${path}`, { ...init, headers, body });
}

/** A dev user who has confirmed 18+ (matching needs it); `adult: false` leaves that out. */
export async function devLogin(name = uniqueName(), options: { adult?: boolean } = {}): Promise<LoginResponse & { name: string }> {
  const res = await api("/api/login", { method: "POST", json: { platform: "dev", code: name } });
  expect(res.status).toBe(200);
  const login = await res.json<LoginResponse>();
  if (options.adult !== false) await confirmAdult(login.token);
  return { ...login, name };
}

/** A person logged in through a platform's fake (18+ not confirmed), with the OpenID the fake gives the code. */
export async function platformLogin(platform: "wechat" | "qq", prefix: string): Promise<LoginResponse & { openid: string }> {
  const code = uniqueName(prefix);
  const res = await api("/api/login", { method: "POST", json: { platform, code } });
  expect(res.status).toBe(200);
  return { ...(await res.json<LoginResponse>()), openid: `openid-${code}` };
}

/** The subscribe messages (订阅消息) the platform fake was asked to send to `openid`. */
export async function sentTo(openid: string): Promise<any[]> {
  const res = await fetch(`${env.WECHAT_API_BASE}/__fake/subscribe-sent?touser=${encodeURIComponent(openid)}`);
  return (await res.json<{ sent: any[] }>()).sent;
}

export async function confirmAdult(token: string): Promise<number> {
  const res = await api("/api/me/adult", { method: "POST", token, json: { confirmed: true } });
  expect(res.status).toBe(200);
  return (await res.json<{ adultConfirmedAt: number }>()).adultConfirmedAt;
}

export function adminApi(path: string, init: RequestInit = {}) {
  return api(path, { ...init, token: ADMIN_TOKEN });
}

/** A WebSocket client inside workerd that buffers frames so tests can await them in order. */
export class TestSocket {
  private queue: unknown[] = [];
  private waiters: { match: (f: any) => boolean; resolve: (f: any) => void; reject: (e: Error) => void }[] = [];
  closed: { code: number; reason: string } | null = null;
  private closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener("message", (event) => {
      const data = typeof event.data === "string" ? JSON.parse(event.data) : event.data;
      const i = this.waiters.findIndex((w) => w.match(data));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(data);
      else this.queue.push(data);
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      for (const w of this.closeWaiters.splice(0)) w(this.closed);
      for (const w of this.waiters.splice(0)) w.reject(new Error(`socket closed (${event.code}) while waiting`));
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next frame (optionally of one type), skipping nothing else: unmatched frames stay queued. */
  next<T = any>(type?: string, timeoutMs = 3000): Promise<T> {
    const match = (f: any) => type === undefined || f?.type === type;
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as T);
    if (this.closed) return Promise.reject(new Error(`socket already closed (${this.closed.code})`));
    return new Promise<T>((resolve, reject) => {
      const waiter = { match, resolve, reject };
      this.waiters.push(waiter);
      setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) {
          this.waiters.splice(at, 1);
          reject(new Error(`timed out waiting for ${type ?? "a frame"}; queued: ${JSON.stringify(this.queue)}`));
        }
      }, timeoutMs);
    });
  }

  /** Frames received so far and not yet consumed. */
  pending(): unknown[] {
    return [...this.queue];
  }

  waitClosed(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      this.closeWaiters.push(resolve);
      setTimeout(() => reject(new Error("timed out waiting for close")), timeoutMs);
    });
  }

  close(code = 1000, reason = "bye"): void {
    try {
      this.ws.close(code, reason);
    } catch {
      // already closed
    }
  }
}

/** Opens a WebSocket through the worker; returns the HTTP response when the upgrade is refused. */
export async function connect(path: string, token?: string, useQuery = false): Promise<TestSocket | Response> {
  const headers = new Headers({ Upgrade: "websocket" });
  let url = `https://onechat.test${path}`;
  if (token && !useQuery) headers.set("Authorization", `Bearer ${token}`);
  if (token && useQuery) url += `${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
  const res = await SELF.fetch(url, { headers });
  if (res.status !== 101 || !res.webSocket) return res;
  return new TestSocket(res.webSocket);
}

export async function mustConnect(path: string, token: string): Promise<TestSocket> {
  const result = await connect(path, token);
  if (result instanceof Response) throw new Error(`upgrade refused: ${result.status} ${await result.text()}`);
  return result;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// --- rooms -------------------------------------------------------------------

/** Two fresh users and their conversation, as the lobby would have made it. */
export async function pair() {
  return roomOf(await devLogin(), await devLogin());
}

/** Two people of one platform (logged in through the fake, 18+ not confirmed) and their conversation. */
export async function platformPair(platform: "wechat" | "qq", prefix = "img") {
  return roomOf(await platformLogin(platform, prefix), await platformLogin(platform, prefix));
}

/** The pair's conversation (as the lobby would have made it) and the way into its room. */
async function roomOf<P extends LoginResponse>(alice: P, bob: P) {
  const conversation = await getOrCreateConversation(env.DB, alice.user.id, bob.user.id, Date.now());
  const roomPath = `/api/rooms/${conversation.id}`;
  const stub = env.ROOM.get(env.ROOM.idFromName(conversation.id));
  return { alice, bob, roomId: conversation.id, conversationId: conversation.id, roomPath, stub };
}

export async function enter(path: string, token: string) {
  const ws = await mustConnect(path, token);
  const history = await ws.next("history");
  const presence = await ws.next("presence");
  return { ws, history: history.messages as any[], presence: presence.partner as string };
}

export async function sendAndAck(ws: TestSocket, text: string, clientId = crypto.randomUUID()) {
  ws.send({ type: "send", clientId, text });
  return ws.next("ack");
}

export async function d1Messages(roomId: string, token: string) {
  const res = await api(`/api/conversations/${roomId}/messages?limit=100`, { token });
  expect(res.status).toBe(200);
  return (await res.json<MessagesResponse>()).messages;
}

