// HTTP and WebSocket client helpers against the local worker (127.0.0.1 only).
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import type { LoginResponse } from "../worker/protocol";

export interface BenchUser {
  id: string;
  token: string;
}

/**
 * A client address per simulated person. Each real user arrives from their own address; from one
 * machine every request would share 127.0.0.1 and the per-address login limit would throttle the
 * whole benchmark as if it were one client.
 */
export const clientAddress = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
let addressSerial = 0;

export async function login(baseUrl: string, platform: "dev" | "wechat" | "qq", code: string): Promise<BenchUser> {
  const res = await fetch(`${baseUrl}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": clientAddress(++addressSerial) },
    body: JSON.stringify({ platform, code }),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) throw new Error(`login ${platform}/${code}: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as LoginResponse;
  return { id: body.user.id, token: body.token };
}

/** Runs fn over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The profile step's 18+ confirmation, which matching needs. A worker built from before it (404) has no such gate. */
export async function confirmAdult(baseUrl: string, token: string): Promise<void> {
  const res = await fetch(`${baseUrl}/api/me/adult`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ confirmed: true }),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200 && res.status !== 404) throw new Error(`adult confirmation: HTTP ${res.status} ${await res.text()}`);
  await res.body?.cancel();
}

/** Logs in `n` fresh dev users named <prefix>-<i>, each confirmed 18+. */
export function devUsers(baseUrl: string, prefix: string, n: number): Promise<BenchUser[]> {
  return mapLimit(
    Array.from({ length: n }, (_, i) => `${prefix}-${i}`),
    8,
    async (name) => {
      const user = await login(baseUrl, "dev", name);
      await confirmAdult(baseUrl, user.token);
      return user;
    },
  );
}

export const runTag = () => randomBytes(4).toString("hex");

/**
 * Each login leaves a per-address limiter object with a cleanup alarm about 3 s later. Logging in
 * a thousand users just before a scenario would put a thousand such alarms on workerd's one local
 * thread in the middle of it; waiting them out measures the scenario alone.
 */
export const LOGIN_ALARMS_SETTLE_MS = 4000;

/**
 * Opens a socket and resolves once a frame of type `readyType` arrives (or on open if none is
 * given). Rejects on an HTTP refusal, an early close or the timeout.
 */
export function openSocket(url: string, token: string | null, readyType: string | null, timeoutMs = 10_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      perMessageDeflate: false,
    });
    const timer = setTimeout(() => fail(new Error(`no ${readyType ?? "open"} from ${url} within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on("error", () => {});
      ws.terminate();
      reject(error);
    };
    const ok = () => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on("error", () => {});
      resolve(ws);
    };
    ws.on("unexpected-response", (_req, res) => fail(new Error(`${url}: HTTP ${res.statusCode}`)));
    ws.on("error", (e) => fail(e));
    ws.on("close", (code) => fail(new Error(`${url}: closed ${code} before ready`)));
    if (readyType === null) ws.on("open", ok);
    else
      ws.on("message", (data) => {
        const frame = JSON.parse(data.toString()) as { type: string };
        if (frame.type === readyType) ok();
      });
  });
}

export async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => (ws.terminate(), resolve()), 2000);
          ws.once("close", () => (clearTimeout(timer), resolve()));
          ws.close(1000);
        }),
    ),
  );
}
