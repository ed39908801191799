// The chat client's socket factory over the browser's own WebSocket. Browsers cannot set an
// Authorization header on a WebSocket, so the token goes in ?token= (the worker accepts it there).
import type { SocketFactory } from "../../../miniprogram/lib/chat-client";

export const browserSocket: SocketFactory = (url, token, handlers) => {
  const withToken = `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(withToken);
  ws.onopen = () => handlers.onOpen();
  ws.onmessage = (event) => handlers.onMessage(typeof event.data === "string" ? event.data : "");
  ws.onclose = (event) => handlers.onClose(event.code, event.reason);
  ws.onerror = () => handlers.onError("websocket error");
  return {
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
  };
};
