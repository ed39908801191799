// Test doubles for the chat client: a manual clock and a socket factory whose sockets the test
// opens, feeds frames to and drops by hand; a client wired to them, and a match played on them.
import { ChatClient, type ChatClientOptions, type SocketFactory, type SocketHandlers, type SocketLike, type Timers } from "../lib/chat-client";

export class ManualClock implements Timers {
  private t = 1_700_000_000_000;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Moves time forward, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const entry of this.pending) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.pending.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

export class FakeSocket implements SocketLike {
  readonly sent: string[] = [];
  closedByClient: { code?: number } | null = null;
  constructor(
    readonly url: string,
    readonly token: string,
    private readonly handlers: SocketHandlers,
  ) {}
  send(data: string): void {
    if (this.closedByClient) throw new Error("send on a closed socket");
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closedByClient = { code };
  }
  /** Frames the client sent, parsed. */
  get frames(): Array<Record<string, unknown>> {
    return this.sent.filter((s) => s.startsWith("{") && s !== '{"type":"ping"}').map((s) => JSON.parse(s));
  }
  open(): void {
    this.handlers.onOpen();
  }
  receive(frame: unknown): void {
    this.handlers.onMessage(typeof frame === "string" ? frame : JSON.stringify(frame));
  }
  drop(code = 1006): void {
    this.handlers.onClose(code, "");
  }
  /** The platform's error callback, e.g. a refused upgrade ("Unexpected server response: 403"). */
  fail(message: string): void {
    this.handlers.onError(message);
  }
}

export class FakeNetwork {
  readonly sockets: FakeSocket[] = [];
  readonly factory: SocketFactory = (url, token, handlers) => {
    const s = new FakeSocket(url, token, handlers);
    this.sockets.push(s);
    return s;
  };
  get last(): FakeSocket {
    const s = this.sockets[this.sockets.length - 1];
    if (!s) throw new Error("no socket was opened");
    return s;
  }
}

/** Lets pending promise callbacks (the async token fetch) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** A client on the fake network and clock: no jitter, clientIds c1, c2…, a 10 s ack wait, a 20 s heartbeat. */
export function testClient(net: FakeNetwork, clock: ManualClock, options: Partial<ChatClientOptions> = {}): ChatClient {
  let ids = 0;
  return new ChatClient({
    wsBase: "ws://chat.test",
    getToken: async () => "tok",
    connect: net.factory,
    timers: clock,
    random: () => 0,
    newClientId: () => `c${++ids}`,
    ackTimeoutMs: 10_000,
    heartbeatMs: 20_000,
    ...options,
  });
}

/** How `matchInto` plays the match: its topic and partner, a waiting frame first, the room's first frames. */
export interface MatchScript {
  topic?: string | null;
  alias?: string;
  /** The online count of a `waiting` frame before the match (none when not given). */
  waiting?: number;
  /** The room's history frame (default: empty). */
  history?: unknown;
  /** Whether the room then says the partner is online. */
  presence?: boolean;
}

/** Starts `client`; the lobby on `net` matches it into room r1, which opens with its history (and presence). */
export async function matchInto(client: ChatClient, net: FakeNetwork, script: MatchScript = {}): Promise<FakeSocket> {
  const topic = script.topic ?? null;
  client.start(topic);
  await flush();
  const lobby = net.last;
  lobby.open();
  if (script.waiting !== undefined) lobby.receive({ type: "waiting", online: script.waiting });
  lobby.receive({ type: "matched", roomId: "r1", partner: { alias: script.alias ?? "熊猫" }, topic });
  await flush();
  const room = net.last;
  room.open();
  room.receive(script.history ?? { type: "history", messages: [] });
  if (script.presence) room.receive({ type: "presence", partner: "online" });
  return room;
}
