// The mini program's protocol client, given a Node WebSocket (the `ws` package) instead of wx.
import WebSocket from "ws";
import type { SocketFactory } from "../miniprogram/lib/chat-client";

export const nodeSocketFactory: SocketFactory = (url, token, handlers) => {
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
  ws.on("open", () => handlers.onOpen());
  ws.on("message", (data) => handlers.onMessage(data.toString()));
  ws.on("close", (code, reason) => handlers.onClose(code, reason.toString()));
  ws.on("unexpected-response", (_req, res) => {
    handlers.onError(`upgrade refused: HTTP ${res.statusCode}`);
    handlers.onClose(1006, `HTTP ${res.statusCode}`);
  });
  ws.on("error", (err) => handlers.onError(err.message));
  return {
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
  };
};

/** Dev login against a local server: a stable user per name. */
export async function devLogin(baseUrl: string, name: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ platform: "dev", code: name }),
  });
  const body = (await res.json()) as { token?: string; error?: { code: string; message: string } };
  if (!res.ok || !body.token) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
  return body.token;
}
