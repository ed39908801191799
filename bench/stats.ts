// Counters the bench entry exposes (bench/worker/entry.ts): rows the rooms' SQLite wrote, and the
// history writers' D1 transactions and rows, all as SQLite itself counted them.
import type { BenchServer } from "./targets";

export interface ServerStats {
  roomRows: number;
  writers: { transactions: number; handoffs: number; messages: number; rowsWritten: number; batchMs: number; batchMsMax: number };
}

export async function serverStats(server: BenchServer, rooms: string[]): Promise<ServerStats> {
  const res = await fetch(`${server.url}/bench/api/stats`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.vars.ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ rooms }),
    signal: AbortSignal.timeout(60_000),
  });
  if (!res.ok) throw new Error(`bench stats: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as ServerStats;
}
