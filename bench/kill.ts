// "An ack means stored": stream messages into a room, SIGKILL the server (wrangler and workerd)
// mid-stream, start it again on the same state, and look for every acknowledged message in the
// room's history.
import WebSocket from "ws";
import { runTag } from "./client";
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
  // Listening before the upgrade completes: the history frame can arrive with the 101 itself.
  const ws = new WebSocket(`${server.wsUrl}/api/rooms/${roomId}?after=0`, { headers: { authorization: `Bearer ${userA!.token}` }, perMessageDeflate: false });
  const history = await new Promise<{ id: string }[]>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no history after restart")), 20_000);
    ws.on("error", (e) => (clearTimeout(t), reject(e)));
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
