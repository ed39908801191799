// What the relay scenario drives: pairs of ready sockets that speak the room's frames, either
// through the worker's rooms or through the floor relay.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type WebSocket from "ws";
import { closeAll, devUsers, openSocket, runTag, type BenchUser } from "./client";

export interface Pair {
  a: WebSocket;
  b: WebSocket;
  /** Worker pairs only: the conversation and one participant, for the REST history benchmark. */
  roomId?: string;
  userA?: BenchUser;
}

export interface RelayTarget {
  name: string;
  openPairs(n: number): Promise<Pair[]>;
}

export async function closePairs(pairs: Pair[]): Promise<void> {
  await closeAll(pairs.flatMap((p) => [p.a, p.b]));
}

/** A running worker built from the bench entry (bench/worker/entry.ts): Miniflare or wrangler dev. */
export interface BenchServer {
  url: string;
  wsUrl: string;
  vars: Record<string, string>;
}

/** Conversation rows for pairs of users, through the bench entry's admin-only route. */
export async function createConversations(server: BenchServer, pairs: [string, string][]): Promise<string[]> {
  const res = await fetch(`${server.url}/bench/api/conversations`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.vars.ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ pairs }),
  });
  if (!res.ok) throw new Error(`bench conversations: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { ids: string[] }).ids;
}

/**
 * onechat's room: two dev users, their conversation row, and both room sockets past history +
 * presence. `roomsPath` picks the room class behind the same route (the bench's no-persistence one).
 */
export function workerTarget(server: BenchServer, name: string, roomsPath = "/api/rooms"): RelayTarget {
  return {
    name,
    async openPairs(n) {
      const tag = runTag();
      const users = await devUsers(server.url, `relay-${tag}`, 2 * n);
      const ids = await createConversations(server, Array.from({ length: n }, (_, i) => [users[2 * i]!.id, users[2 * i + 1]!.id]));
      const pairs: Pair[] = [];
      for (let i = 0; i < n; i++) {
        const [u, v] = [users[2 * i]!, users[2 * i + 1]!];
        const url = `${server.wsUrl}${roomsPath}/${ids[i]}`;
        const a = await openSocket(url, u.token, "presence");
        const b = await openSocket(url, v.token, "presence");
        pairs.push({ a, b, roomId: ids[i], userA: u });
      }
      return pairs;
    },
  };
}

/** The reference room (bench/worker/reference-room.ts) in the same runtime: no auth, no checks. */
export function referenceTarget(server: BenchServer): RelayTarget {
  return {
    name: "reference room",
    async openPairs(n) {
      const tag = runTag();
      const pairs: Pair[] = [];
      for (let i = 0; i < n; i++) {
        const url = `${server.wsUrl}/bench/reference/${tag}-${i}`;
        pairs.push({ a: await openSocket(url, null, "presence"), b: await openSocket(url, null, "presence") });
      }
      return pairs;
    },
  };
}

export function floorTarget(url: string): RelayTarget {
  return {
    name: "ws floor",
    async openPairs(n) {
      const tag = runTag();
      const pairs: Pair[] = [];
      for (let i = 0; i < n; i++) {
        const path = `${url}/pair/${tag}-${i}`;
        pairs.push({ a: await openSocket(path, null, null), b: await openSocket(path, null, null) });
      }
      return pairs;
    },
  };
}

/** Starts bench/floor-relay.ts in its own Node process (through tsx) and returns its ws:// URL. */
export async function startFloorProcess(): Promise<{ url: string; stop(): Promise<void> }> {
  const script = fileURLToPath(new URL("./floor-relay.ts", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("floor relay did not start within 20 s")), 20_000);
    let buffer = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split("\n")[0];
      if (buffer.includes("\n") && line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once("exit", (code) => reject(new Error(`floor relay exited with ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
