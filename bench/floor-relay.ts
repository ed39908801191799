// The floor: the relay reduced to what no implementation can skip (parse the frame, answer the
// sender, forward to the partner) with the `ws` package. No auth, no storage, no checks. It speaks
// the room's frames so the same harness drives both. Path: /pair/<id>; the first two sockets pair.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { WebSocketServer, type WebSocket } from "ws";

export async function startFloorRelay(port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  const pairs = new Map<string, WebSocket[]>();
  const seqs = new Map<string, number>();
  let nextId = 0;
  wss.on("connection", (ws, req) => {
    const id = req.url ?? "/";
    const members = pairs.get(id) ?? [];
    if (members.length >= 2) return ws.close(1008, "pair full");
    members.push(ws);
    pairs.set(id, members);
    ws.on("close", () => {
      const left = (pairs.get(id) ?? []).filter((m) => m !== ws);
      if (left.length === 0) pairs.delete(id);
      else pairs.set(id, left);
    });
    ws.on("message", (data) => {
      let frame: { type?: string; clientId?: string; text?: string };
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (frame.type !== "send") return;
      const seq = (seqs.get(id) ?? 0) + 1;
      seqs.set(id, seq);
      const msgId = `f${++nextId}`;
      const at = Date.now();
      ws.send(JSON.stringify({ type: "ack", clientId: frame.clientId, id: msgId, seq, at }));
      for (const other of pairs.get(id) ?? []) {
        if (other !== ws) other.send(JSON.stringify({ type: "message", id: msgId, seq, from: "partner", text: frame.text, at }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Run as its own process by the benchmark, so the floor has its own event loop like workerd does
// and does not share one with the load generator. Prints its URL on the first line of stdout.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const floor = await startFloorRelay();
  process.stdout.write(`${floor.url}\n`);
  process.on("SIGTERM", () => void floor.close().then(() => process.exit(0)));
}
