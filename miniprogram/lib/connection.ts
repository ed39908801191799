// One socket at a time to the lobby or the room: opening it with a token (a fresh login when
// the last connects failed or were refused), the heartbeat that notices a half-open socket,
// reconnects with jittered backoff, and judging the socket again when the app comes back from
// the background. What the frames mean is the chat client's business, told through hooks.
import type { ChatStore } from "./chat-state";
import { codeOf } from "./errors";
import { CLOSE_NORMAL, PING_FRAME, PONG_FRAME, type ErrorCode, type LobbyClientFrame, type RoomClientFrame } from "./protocol";

export interface SocketHandlers {
  onOpen(): void;
  onMessage(data: string): void;
  onClose(code: number, reason: string): void;
  onError(message: string): void;
}
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
/** Opens a WebSocket to `url` authenticated with `token` (Bearer header or `?token=`). */
export type SocketFactory = (url: string, token: string, handlers: SocketHandlers) => SocketLike;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const defaultTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export type Channel = "lobby" | "room";

/** Failures that retrying cannot fix: the client stops and shows them instead of looping. */
export const PERMANENT_ERRORS: ReadonlySet<string> = new Set<ErrorCode>([
  "banned",
  "blocked_by_platform",
  "forbidden",
  "not_found",
  "adult_required",
  "matching_suspended",
  "chat_ended",
]);

/** The HTTP status of a refused upgrade, when the platform's error text carries it. */
function refusedStatus(message: string): number | null {
  const m = /\b(40[134]|410)\b/.exec(message);
  return m ? Number(m[1]) : null;
}

export interface ConnectionOptions {
  /** A session token; `fresh` asks for a new login. */
  getToken(fresh: boolean): Promise<string>;
  /** The content-check ticket, asked after getToken for room sockets only. */
  getTicket(): Promise<string | null>;
  connect: SocketFactory;
  timers: Timers;
  random: () => number;
  heartbeatMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  staleAfterHideMs: number;
  /** A socket in doubt (network changed, a send unanswered) gets this long to answer a ping. */
  probeMs: number;
}

export interface ConnectionHooks {
  /** The address of a new socket on `channel` (a room socket carries `ticket` when there is one). */
  url(channel: Channel, ticket: string | null): string;
  /** A socket opened; its frames follow. */
  opened(): void;
  /** A frame other than pong arrived on the current socket. */
  frame(channel: Channel, data: string): void;
  /** The current socket closed or died; the hook ends the chat or calls reconnectLater(). */
  closed(channel: Channel, code: number): void;
  /** resume() replaced a socket it no longer trusts. */
  replaced(): void;
  /** A failure no retry fixes (a ban, a refused room). */
  failed(code: string): void;
  /**
   * The lobby refused the upgrade with 403 (the socket cannot read why: no 18+ confirmation,
   * matching suspended, or a ban). The hook finds out and ends the chat or calls reconnectLater().
   */
  lobbyRefused?(): void;
}

export class Connection {
  private socket: SocketLike | null = null;
  private channel: Channel | null = null;
  /** Bumped for every socket; handlers of older sockets are ignored. */
  private generation = 0;
  private attempts = 0;
  private failuresBeforeOpen = 0;
  private reconnectTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private lastReceivedAt = 0;
  /** When the last ping went out while nothing has come back since (null: none outstanding). */
  private pingSentAt: number | null = null;
  /** When the app went to the background (null: in the foreground). */
  private hiddenAt: number | null = null;
  /** The next connect logs in again first (ticket_required, or a 401/403 on the upgrade). */
  private freshLogin = false;
  /** The last upgrade was refused with 403. */
  private refused = false;
  /** lobbyRefused was asked since the last open: a second 403 takes the usual way (a ban). */
  private lobbyChecked = false;
  /** A probe's deadline: nothing received by then replaces the socket. */
  private probeTimer: unknown = null;
  /** A send waiting for any answer before the socket is probed. */
  private watchTimer: unknown = null;

  constructor(
    private readonly opts: ConnectionOptions,
    private readonly store: ChatStore,
    private readonly hooks: ConnectionHooks,
  ) {}

  /** The socket (open or being opened) talks to `channel`. */
  isOn(channel: Channel): boolean {
    return this.channel === channel;
  }

  /** Opens a socket on `channel`, replacing the current one. */
  async open(channel: Channel): Promise<void> {
    this.closeSocket();
    const gen = ++this.generation;
    this.channel = channel;
    let token: string;
    const fresh = this.freshLogin || this.failuresBeforeOpen >= 2;
    this.freshLogin = false;
    try {
      token = await this.opts.getToken(fresh);
    } catch (err) {
      if (gen !== this.generation) return;
      // A fresh login that failed (a network blip) is still owed: the next try must not fall
      // back to the old session and its expired ticket.
      if (fresh) this.freshLogin = true;
      this.channel = null;
      const code = codeOf(err, "network");
      if (PERMANENT_ERRORS.has(code)) return this.hooks.failed(code);
      // One toast per outage, not one per backoff step.
      if (this.attempts === 0) this.store.notice(code);
      this.reconnectLater();
      return;
    }
    if (gen !== this.generation) return;
    let ticket: string | null = null;
    if (channel === "room") {
      // A missing ticket only means no platform content check for this socket's sends.
      ticket = await this.opts.getTicket().catch(() => null);
      if (gen !== this.generation) return;
    }
    const url = this.hooks.url(channel, ticket);
    const handlers: SocketHandlers = {
      onOpen: () => gen === this.generation && this.handleOpen(),
      onMessage: (data) => gen === this.generation && this.handleMessage(channel, data),
      onClose: (code) => gen === this.generation && this.handleClose(channel, code),
      // Some platforms report a failed handshake only as an error: treat it as a drop, unless its
      // text names a refusal (401: log in again; 403/404: this socket will never be let in).
      onError: (message) => gen === this.generation && this.handleRefusal(channel, message),
    };
    try {
      this.socket = this.opts.connect(url, token, handlers);
    } catch {
      this.handleClose(channel, 1006);
    }
  }

  /** Opens the socket the chat needs now: the room once matched, else the lobby. */
  reopen(): void {
    void this.open(this.store.state.roomId ? "room" : "lobby");
  }

  /** Reopens `channel` after logging in again (the room wants a fresh ticket). */
  reopenWithFreshLogin(channel: Channel): void {
    this.close();
    this.freshLogin = true;
    this.clearReconnect();
    void this.open(channel);
  }

  /** Closes the current socket on purpose; nothing reconnects. */
  close(): void {
    this.closeSocket();
    this.channel = null;
  }

  /** Closes everything and cancels every timer; the next open starts with a clean slate. */
  reset(): void {
    this.close();
    this.clearReconnect();
    this.attempts = 0;
    this.failuresBeforeOpen = 0;
    this.freshLogin = false;
    this.refused = false;
    this.lobbyChecked = false;
    this.pingSentAt = null;
  }

  /** The chat ended: no socket, no reconnect pending, no fresh login owed to a next connect. */
  stop(): void {
    this.close();
    this.clearReconnect();
    this.freshLogin = false;
  }

  transmit(frame: LobbyClientFrame | RoomClientFrame): boolean {
    return this.transmitRaw(JSON.stringify(frame));
  }

  /** The app went to the background (onHide): remembered so resume() can judge the socket. */
  background(): void {
    this.hiddenAt = this.opts.timers.now();
  }

  /**
   * The app came back to the foreground or the network returned: reconnect now if dropped. A
   * socket kept across a long background, or one whose ping went unanswered, is likely half-open:
   * it is replaced at once (resuming with `after`) instead of waiting for the heartbeat to notice.
   */
  resume(): void {
    const hiddenFor = this.hiddenAt === null ? 0 : this.opts.timers.now() - this.hiddenAt;
    this.hiddenAt = null;
    const { phase } = this.store.state;
    if (phase === "idle" || phase === "ended") return;
    if (this.socket) {
      const stale = hiddenFor > this.opts.staleAfterHideMs || this.pingSentAt !== null;
      if (!stale || !this.store.state.connected) return;
      this.close();
      this.hooks.replaced();
    }
    this.clearReconnect();
    this.attempts = 0;
    this.reopen();
  }

  /**
   * The network changed (wx.onNetworkStatusChange): a socket bound to the old network is likely
   * dead though nothing said so. Probe it (a ping answered within probeMs, or replaced); with no
   * socket, connect now.
   */
  networkChanged(): void {
    const { phase } = this.store.state;
    if (phase === "idle" || phase === "ended") return;
    if (this.socket && this.store.state.connected) return this.probe();
    if (this.socket) return; // still opening
    this.clearReconnect();
    this.attempts = 0;
    this.reopen();
  }

  /** A frame that needs an answer went out: no frame at all within probeMs, and the socket is probed. */
  watch(): void {
    if (this.watchTimer !== null || !this.socket) return;
    const gen = this.generation;
    this.watchTimer = this.opts.timers.setTimeout(() => {
      this.watchTimer = null;
      if (gen === this.generation) this.probe();
    }, this.opts.probeMs);
  }

  /** Pings now; nothing back within probeMs replaces the socket (resuming with `after`). */
  probe(): void {
    if (this.probeTimer !== null || !this.socket || !this.store.state.connected) return;
    const gen = this.generation;
    if (this.transmitRaw(PING_FRAME) && this.pingSentAt === null) this.pingSentAt = this.opts.timers.now();
    this.probeTimer = this.opts.timers.setTimeout(() => {
      this.probeTimer = null;
      if (gen !== this.generation || !this.socket) return;
      this.close();
      this.hooks.replaced();
      this.clearReconnect();
      this.attempts = 0;
      this.reopen();
    }, this.opts.probeMs);
  }

  private clearProbes(): void {
    if (this.probeTimer !== null) this.opts.timers.clearTimeout(this.probeTimer);
    if (this.watchTimer !== null) this.opts.timers.clearTimeout(this.watchTimer);
    this.probeTimer = null;
    this.watchTimer = null;
  }

  /** Schedules the next connect with jittered exponential backoff (not once the chat is over). */
  reconnectLater(): void {
    const { phase } = this.store.state;
    if (phase === "idle" || phase === "ended") return;
    this.clearReconnect();
    const exp = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** this.attempts);
    const delay = Math.round(exp * (0.5 + this.opts.random() * 0.5));
    this.attempts++;
    this.store.update({ reconnecting: true, connected: false });
    this.reconnectTimer = this.opts.timers.setTimeout(() => {
      this.reconnectTimer = null;
      this.reopen();
    }, delay);
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== null) this.opts.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private handleOpen(): void {
    this.refused = false;
    this.lobbyChecked = false;
    this.attempts = 0;
    this.failuresBeforeOpen = 0;
    this.lastReceivedAt = this.opts.timers.now();
    this.pingSentAt = null;
    this.hooks.opened();
    this.store.update({ connected: true, reconnecting: false });
    // Both sockets: a silently dead lobby socket would otherwise mean waiting forever.
    this.startHeartbeat();
  }

  private handleMessage(channel: Channel, data: string): void {
    this.lastReceivedAt = this.opts.timers.now();
    this.pingSentAt = null;
    // Anything received proves the socket alive.
    this.clearProbes();
    if (data === PONG_FRAME) return;
    this.hooks.frame(channel, data);
  }

  private handleRefusal(channel: Channel, message: string): void {
    const status = this.store.state.connected ? null : refusedStatus(message);
    if (status === 403 && channel === "lobby" && this.hooks.lobbyRefused && !this.lobbyChecked) {
      this.lobbyChecked = true;
      this.close();
      this.failuresBeforeOpen++;
      return this.hooks.lobbyRefused();
    }
    // 404: the room is gone. 403 twice, the second time after a fresh login that did not say
    // "banned" itself: this socket will never be let in.
    if (status === 404 || (status === 403 && this.refused)) {
      this.close();
      return this.hooks.failed(status === 403 ? "forbidden" : "not_found");
    }
    // 410: a kept chat one of the two ended (chat_ended); reopening will not help.
    if (status === 410) {
      this.close();
      return this.hooks.failed("chat_ended");
    }
    // 401, or a first 403 (a ban shows up as one): log in again, which names a ban.
    if (status === 401 || status === 403) this.freshLogin = true;
    if (status === 403) this.refused = true;
    this.handleClose(channel, 1006);
  }

  private handleClose(channel: Channel, code: number): void {
    if (!this.store.state.connected) this.failuresBeforeOpen++;
    this.socket = null;
    this.channel = null;
    this.generation++;
    this.stopHeartbeat();
    this.clearProbes();
    this.hooks.closed(channel, code);
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = this.opts.timers.setTimeout(() => {
      this.heartbeatTimer = null;
      if (!this.socket) return;
      // Two silent intervals: the connection is dead even if the phone has not noticed.
      if (this.opts.timers.now() - this.lastReceivedAt > 2 * this.opts.heartbeatMs) {
        const channel = this.channel ?? "room";
        this.closeSocket();
        this.handleClose(channel, 1006);
        return;
      }
      if (this.transmitRaw(PING_FRAME) && this.pingSentAt === null) this.pingSentAt = this.opts.timers.now();
      this.startHeartbeat();
    }, this.opts.heartbeatMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) this.opts.timers.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private closeSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.generation++;
    this.stopHeartbeat();
    this.clearProbes();
    if (socket) {
      try {
        socket.close(CLOSE_NORMAL, "bye");
      } catch {
        // already closed
      }
    }
  }

  private transmitRaw(data: string): boolean {
    if (!this.socket || !this.store.state.connected) return false;
    try {
      this.socket.send(data);
      return true;
    } catch {
      return false;
    }
  }
}
