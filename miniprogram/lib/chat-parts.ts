// The chat client's parts, built from its options and wired to each other: the socket and what
// its hooks do, the outbox on the room socket, the history walk, uploads, typing, 保持联系, the
// report and the refusals. ChatClient (chat-client.ts) owns the result and the endings.
import type { ChatStore, EndReason } from "./chat-state";
import { Connection, defaultTimers, type Channel, type SocketFactory, type Timers } from "./connection";
import { HistoryWalk } from "./history-walk";
import { KeepInTouch } from "./keep-in-touch";
import { Outbox } from "./outbox";
import { PictureUploads } from "./picture-uploads";
import type { RoomClientFrame } from "./protocol";
import { Refusals } from "./refusals";
import { ReportRequest } from "./report-request";
import { readServerFrame, type FrameParts } from "./server-frames";
import { Typing } from "./typing";

export interface ChatClientOptions {
  /** ws:// or wss:// origin of the worker, no trailing slash. */
  wsBase: string;
  /** A session token; `fresh` asks for a new login (the last connects failed before opening). */
  getToken(fresh: boolean): Promise<string>;
  /**
   * The login's content-check ticket, asked after getToken for room sockets only (never the
   * lobby); null or absent: connect without one (dev login has none).
   */
  getTicket?(): Promise<string | null>;
  connect: SocketFactory;
  timers?: Timers;
  random?: () => number;
  newClientId?: () => string;
  /** A send that is not acked within this long turns failed (tap to retry). */
  ackTimeoutMs?: number;
  heartbeatMs?: number;
  typingShowMs?: number;
  typingThrottleMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Hidden longer than this: on resume the socket is replaced at once, not trusted. */
  staleAfterHideMs?: number;
  /** A socket in doubt (network change, a send with no answer for this long) must answer a ping within this long. */
  probeMs?: number;
  /**
   * Asked when the lobby refuses the socket (403): find out why and fix what can be fixed (send
   * the 18+ confirmation again, e.g. after a login as a new account). Rejects with the code that
   * ends the wait: "adult_required", "matching_suspended", "banned"…
   */
  recheckMatching?(): Promise<void>;
  /**
   * 保持联系 when the room socket is gone (the end screen after the partner left): the same tap
   * over REST (`POST /api/chats/:id/keep`). Absent: the tap needs the socket.
   */
  keepOverRest?(roomId: string): Promise<"pending" | "kept">;
}

/** What the client itself does when the socket closes, and its two endings. */
export interface ClientHooks {
  closed(channel: Channel, code: number): void;
  end(reason: EndReason): void;
  fail(code: string): void;
}

export interface ChatParts extends FrameParts {
  timers: Timers;
  uploads: PictureUploads;
}

function randomClientId(): string {
  let s = Date.now().toString(36);
  for (let i = 0; i < 12; i++) s += Math.floor(Math.random() * 36).toString(36);
  return s;
}

/** Builds every part of one client over `store`. */
export function buildParts(options: ChatClientOptions, store: ChatStore, hooks: ClientHooks): ChatParts {
  const timers = options.timers ?? defaultTimers;
  const ackTimeoutMs = options.ackTimeoutMs ?? 15_000;
  const connection: Connection = new Connection(
    {
      getToken: options.getToken,
      getTicket: options.getTicket ?? (() => Promise.resolve(null)),
      connect: options.connect,
      timers,
      random: options.random ?? Math.random,
      heartbeatMs: options.heartbeatMs ?? 25_000,
      backoffBaseMs: options.backoffBaseMs ?? 500,
      backoffMaxMs: options.backoffMaxMs ?? 15_000,
      staleAfterHideMs: options.staleAfterHideMs ?? 5_000,
      probeMs: options.probeMs ?? 3_000,
    },
    store,
    {
      url: (channel, ticket) => (channel === "lobby" ? lobbyUrl(options.wsBase, store) : roomUrl(options.wsBase, store, history, ticket)),
      opened: () => history.opened(),
      frame: (channel, data) => readServerFrame(channel, data, parts),
      closed: hooks.closed,
      replaced: () => {
        outbox.forgetInflight();
        report.abandon();
        store.update({ connected: false, partnerTyping: false });
      },
      failed: hooks.fail,
      lobbyRefused: options.recheckMatching ? () => void refusals.lobbyRefused() : undefined,
    },
  );
  const outbox = new Outbox(
    {
      timers,
      ackTimeoutMs,
      newClientId: options.newClientId ?? randomClientId,
      sendToRoom: (frame) => {
        const sent = connection.isOn("room") && connection.transmit(frame);
        // No answer at all soon after a send: the socket is probed, not trusted until the ack times out.
        if (sent) connection.watch();
        return sent;
      },
    },
    store,
  );
  const history = new HistoryWalk(store, outbox, (frame: RoomClientFrame) => connection.transmit(frame));
  const report = new ReportRequest({
    timers,
    timeoutMs: ackTimeoutMs,
    send: (frame) => connection.isOn("room") && store.state.phase === "chatting" && connection.transmit(frame),
  });
  const refusals = new Refusals({ timers, recheckMatching: options.recheckMatching ?? null, fail: hooks.fail }, connection, outbox);
  const parts: ChatParts = {
    store,
    timers,
    connection,
    outbox,
    history,
    uploads: new PictureUploads(store, outbox),
    typing: new Typing({ timers, showMs: options.typingShowMs ?? 5_000, throttleMs: options.typingThrottleMs ?? 3_000 }, store, connection),
    keep: new KeepInTouch(store, connection, options.keepOverRest ?? null),
    report,
    refusals,
    end: hooks.end,
    fail: hooks.fail,
  };
  return parts;
}

function lobbyUrl(wsBase: string, store: ChatStore): string {
  const topic = store.state.topic;
  return `${wsBase}/api/lobby${topic ? `?topic=${encodeURIComponent(topic)}` : ""}`;
}

function roomUrl(wsBase: string, store: ChatStore, history: HistoryWalk, ticket: string | null): string {
  const base = `${wsBase}/api/rooms/${encodeURIComponent(store.state.roomId ?? "")}`;
  const params: string[] = [];
  const after = history.after();
  if (after !== null) params.push(`after=${after}`);
  if (ticket) params.push(`ticket=${encodeURIComponent(ticket)}`);
  return params.length ? `${base}?${params.join("&")}` : base;
}
