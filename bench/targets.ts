// What the relay scenario drives: pairs of ready sockets that speak the room's frames, either
// through the worker's rooms or through the floor relay.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type WebSocket from "ws";
import type { LocalWorker } from "../scripts/local-worker";
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

/** The worker: two dev users, their conversation row, and both room sockets past history + presence. */
export function workerTarget(worker: LocalWorker, name: string): RelayTarget {
  return {
    name,
    async openPairs(n) {
      const tag = runTag();
      const users = await devUsers(worker.url, `relay-${tag}`, 2 * n);
      const db = await worker.mf.getD1Database("DB");
      const pairs: Pair[] = [];
      for (let i = 0; i < n; i++) {
        const [u, v] = [users[2 * i]!, users[2 * i + 1]!];
        // Rooms are conversations; the bench creates them directly so the relay is measured
        // without the lobby in the way (matching has its own scenario).
        const roomId = randomBytes(16).toString("base64url");
        const [lo, hi] = u.id < v.id ? [u.id, v.id] : [v.id, u.id];
        await db
          .prepare("INSERT INTO conversations (id, user_a, user_b, created_at) VALUES (?1, ?2, ?3, ?4)")
          .bind(roomId, lo, hi, Date.now())
          .run();
        const url = `${worker.wsUrl}/api/rooms/${roomId}`;
        const a = await openSocket(url, u.token, "presence");
        const b = await openSocket(url, v.token, "presence");
        pairs.push({ a, b, roomId, userA: u });
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
