// What the Node tests share: the worker started beside the fake platform server, a WebSocket
// client whose frames are awaited by type, a login through the worker, and waiting on the mini
// program's chat client.
import { expect } from "vitest";
import WebSocket from "ws";
import type { ChatClient, ChatState } from "../../miniprogram/lib/chat-client";
import { startLocalWorker, type LocalWorker, type LocalWorkerOptions } from "../../scripts/local-worker";
import type { LoginPlatform, LoginResponse } from "../../worker/protocol";
import { FAKE_CREDENTIALS, startPlatformServer } from "../fakes/platform-server";

export type PlatformServer = Awaited<ReturnType<typeof startPlatformServer>>;

/** The fake WeChat/QQ server, and the worker in Miniflare using it (its credentials and API bases, then `options.vars`). */
export async function startWithPlatform(options: LocalWorkerOptions = {}): Promise<{ worker: LocalWorker; platform: PlatformServer }> {
  const platform = await startPlatformServer();
  try {
    const vars = { ...FAKE_CREDENTIALS, WECHAT_API_BASE: platform.url, QQ_API_BASE: platform.url, ...options.vars };
    return { worker: await startLocalWorker({ ...options, vars }), platform };
  } catch (error) {
    await platform.close();
    throw error;
  }
}

/** What a refused upgrade answered: its status and JSON body. */
export interface Refusal {
  status: number;
  body: unknown;
}

/** A socket whose frames are awaited by type, in order; frames nobody awaits yet stay queued. */
export class FrameSocket {
  private frames: any[] = [];
  private waiters: { type: string; resolve: (f: any) => void }[] = [];
  readonly closed: Promise<number>;
  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on("close", (code) => resolve(code)));
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      const i = this.waiters.findIndex((w) => w.type === frame.type);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(frame);
      else this.frames.push(frame);
    });
  }

  /** Opens `url` with the bearer token; a refused upgrade resolves to what it answered. */
  static attempt(url: string, token: string): Promise<FrameSocket | Refusal> {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
    return new Promise((resolve, reject) => {
      const socket = new FrameSocket(ws);
      ws.once("open", () => resolve(socket));
      ws.once("unexpected-response", (_req, res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: text });
          }
        });
      });
      ws.once("error", reject);
    });
  }

  /** Opens `url` with the bearer token; fails if the upgrade is refused. */
  static async open(url: string, token: string): Promise<FrameSocket> {
    const result = await FrameSocket.attempt(url, token);
    if (!(result instanceof FrameSocket)) throw new Error(`upgrade refused: ${JSON.stringify(result)}`);
    return result;
  }

  next<T = any>(type: string, timeoutMs = 10_000): Promise<T> {
    const i = this.frames.findIndex((f) => f.type === type);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      this.waiters.push({ type, resolve });
      setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`)), timeoutMs);
    });
  }

  /** Frames received so far and not yet awaited. */
  pending(): any[] {
    return [...this.frames];
  }

  send(frame: unknown) {
    this.ws.send(JSON.stringify(frame));
  }
}

/** Into a room: the socket once its history and presence frames came. */
export async function enter(url: string, token: string): Promise<FrameSocket> {
  const socket = await FrameSocket.open(url, token);
  await socket.next("history");
  await socket.next("presence");
  return socket;
}

/** A login through the worker at `base` (the same code is the same account), with the 18+ confirmation matching needs. */
export async function adultLogin(base: string, platform: LoginPlatform, code: string): Promise<LoginResponse> {
  const json = (token?: string) => ({ "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) });
  const res = await fetch(`${base}/api/login`, { method: "POST", headers: json(), body: JSON.stringify({ platform, code }) });
  expect(res.status).toBe(200);
  const login = (await res.json()) as LoginResponse;
  const adult = await fetch(`${base}/api/me/adult`, { method: "POST", headers: json(login.token), body: JSON.stringify({ confirmed: true }) });
  expect(adult.status).toBe(200);
  return login;
}

/** Resolves once the client's state satisfies `test` (the test's own timeout bounds the wait). */
export function until(client: ChatClient, test: (s: ChatState) => boolean): Promise<ChatState> {
  return new Promise((resolve) => {
    if (test(client.snapshot)) return resolve(client.snapshot);
    const stop = client.subscribe((s) => {
      if (test(s)) {
        queueMicrotask(() => stop());
        resolve(s);
      }
    });
  });
}

/** The conversation as the client shows it, one `from:text` a message. */
export const texts = (s: ChatState) => s.messages.map((m) => `${m.from}:${m.text}`);
