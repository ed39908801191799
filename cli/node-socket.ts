// The mini program's own clients (miniprogram/lib) on Node: the `ws` package instead of
// wx.connectSocket, fetch instead of wx.request, a Map instead of wx storage. Used by the
// terminal client and by the Node tests that drive the real worker as a phone would.
import WebSocket from "ws";
import type { HttpRequest, KeyValueStorage } from "../miniprogram/lib/api";
import type { SocketFactory } from "../miniprogram/lib/chat-client";

/** Opens sockets with the Bearer header; `onSocket` sees each raw socket (tests cut them). */
export function nodeSocketFactory(onSocket?: (ws: WebSocket, url: string) => void): SocketFactory {
  return (url, token, handlers) => {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
    onSocket?.(ws, url);
    ws.on("open", () => handlers.onOpen());
    ws.on("message", (data) => handlers.onMessage(data.toString()));
    ws.on("close", (code, reason) => handlers.onClose(code, reason.toString()));
    ws.on("error", (err) => handlers.onError(err.message));
    return {
      send: (data) => ws.send(data),
      close: (code, reason) => ws.close(code, reason),
    };
  };
}

export const nodeHttpRequest: HttpRequest = async ({ url, method, data, header }) => {
  const res = await fetch(url, { method, headers: header, body: data === undefined ? undefined : JSON.stringify(data) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text, the client maps the status
  }
  return { status: res.status, data: body };
};

export function memoryStorage(): KeyValueStorage {
  const map = new Map<string, unknown>();
  return { get: (k) => map.get(k), set: (k, v) => map.set(k, v), remove: (k) => map.delete(k) };
}
