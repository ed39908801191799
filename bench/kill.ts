// "An ack means stored": stream messages into a room, SIGKILL the server (wrangler and workerd)
// mid-stream, start it again on the same state, and look for every acknowledged message in the
// room's history.
import type WebSocket from "ws";
import { openSocket, runTag } from "./client";
import { sleep } from "./schedule";
import type { DevServer } from "./wrangler-dev";
import { workerTarget } from "./targets";

export interface KillResult {
  sent: number;
  acked: number;
  /** Acked messages absent from the history after the restart (must be 0). */
  missing: number;
  /** Messages in the history twice. */
  duplicated: number;
}

export async function runKill(server: DevServer, ratePerSec = 100, streamMs = 1500): Promise<KillResult> {
  const [pair] = await workerTarget(server, "onechat").openPairs(1);
  const { a, roomId, userA } = pair!;
  const tag = runTag();
  const acked = new Set<string>();
  a.on("message", (data: WebSocket.RawData) => {
    const f = JSON.parse(data.toString()) as { type: string; id?: string };
    if (f.type === "ack" && f.id) acked.add(f.id);
  });
  let sent = 0;
  const timer = setInterval(() => {
    if (a.readyState === a.OPEN) a.send(JSON.stringify({ type: "send", clientId: `${tag}-${sent}`, text: `${tag} ${sent++}` }));
  }, 1000 / ratePerSec);
  await sleep(streamMs);
  server.kill();
  clearInterval(timer);
  const ackedIds = [...acked];
  await server.restart();
  const ws = await openSocket(`${server.wsUrl}/api/rooms/${roomId}?after=0`, userA!.token, null);
  const history = await new Promise<{ id: string }[]>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no history after restart")), 10_000);
    ws.on("message", (data: WebSocket.RawData) => {
      const f = JSON.parse(data.toString()) as { type: string; messages?: { id: string }[] };
      if (f.type === "history") {
        clearTimeout(t);
        resolve(f.messages ?? []);
      }
    });
  });
  ws.terminate();
  const ids = history.map((m) => m.id);
  const seen = new Set(ids);
  return { sent, acked: ackedIds.length, missing: ackedIds.filter((id) => !seen.has(id)).length, duplicated: ids.length - seen.size };
}
