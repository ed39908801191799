// The reference room the benchmark compares onechat's room with, built like Cloudflare's
// workers-chat-demo: one hibernating object per room, one storage write per message (awaited),
// then broadcast. No auth, no checks, no dedupe, no copy anywhere. It speaks the room's frames
// (send → ack to the sender, message to the others) so the same harness drives it.
import { DurableObject } from "cloudflare:workers";

export class ReferenceRoom extends DurableObject {
  private seq = 0;

  override async fetch(): Promise<Response> {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.send(JSON.stringify({ type: "presence", partner: this.ctx.getWebSockets().length > 1 ? "online" : "offline" }));
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const frame = JSON.parse(typeof message === "string" ? message : new TextDecoder().decode(message)) as { type?: string; clientId?: string; text?: string };
    if (frame.type !== "send") return;
    const at = Date.now();
    const seq = ++this.seq;
    const id = `${at}-${seq}`;
    // The demo's one write per message: a key-value put of the message, awaited before the broadcast.
    await this.ctx.storage.put(id, JSON.stringify({ text: frame.text, at }));
    ws.send(JSON.stringify({ type: "ack", clientId: frame.clientId, id, seq, at }));
    const out = JSON.stringify({ type: "message", id, seq, from: "partner", text: frame.text, at });
    for (const other of this.ctx.getWebSockets()) if (other !== ws) other.send(out);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
  }
}
