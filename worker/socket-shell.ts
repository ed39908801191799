// The socket shell the lobby and room objects share: accepting a hibernatable socket with its
// attachment, reading the attachment back (parsed, never cast), decoding frames, answering pings,
// and hibernation handlers that never throw into the runtime. Each object supplies what its
// frames mean and what a closed socket means to it.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "./env";
import { AppError, socketError } from "./errors";
import { logError, logEvent } from "./log";
import { CLOSE, PING_FRAME, PONG_FRAME, type SocketError } from "./protocol";
import { acceptedUpgrade, closeSocket, decodeFrame, sendFrame } from "./socket";

/** A decoded client frame: a JSON object with a string `type`, not yet validated further. */
export type RawFrame = { type: string } & Record<string, unknown>;

export abstract class SocketShell<A extends object> extends DurableObject<Env> {
  /** Parsed attachments of this wake-up: a cache (empty after hibernation), so a frame costs no deserialize and parse. */
  private readonly attached = new WeakMap<WebSocket, A>();
  /** Names this object in log events ("room", "lobby"). */
  protected abstract readonly kind: string;
  /** What a client is told when a frame handler fails for a reason of ours. */
  protected abstract readonly internalMessage: string;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Keep-alives are answered by the runtime without waking the object, so idle objects sleep.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** The attachment's shape, checked on every read: storage written by an older version is not trusted. */
  protected abstract parseAttachment(value: unknown): A | null;
  /** A frame from a socket with a valid attachment (pings already answered). */
  protected abstract onFrame(ws: WebSocket, attachment: A, frame: RawFrame): Promise<void> | void;
  /** A frame the shell refused with a closing code (oversized): the object drops the socket. */
  protected abstract onRefusedClose(ws: WebSocket, attachment: A, error: SocketError, closeCode: number): Promise<void> | void;
  /** The client closed the socket. */
  protected abstract onClose(ws: WebSocket, code: number, reason: string): Promise<void> | void;
  /** The socket failed underneath us. */
  protected abstract onSocketError(ws: WebSocket): Promise<void> | void;
  /** Whether frames from this socket still count (a room ignores sockets it ended on purpose). */
  protected isOpen(_attachment: A): boolean {
    return true;
  }

  /** Accepts the server end with its tags and attachment; returns it and the 101 response. */
  protected accept(tags: string[], attachment: A): { server: WebSocket; response: Response } {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, tags);
    this.setAttachment(server, attachment);
    return { server, response: acceptedUpgrade(client) };
  }

  /** The socket's attachment, or null when it has none or one of the wrong shape (logged). */
  protected attachment(ws: WebSocket): A | null {
    const known = this.attached.get(ws);
    if (known) return known;
    const raw: unknown = ws.deserializeAttachment();
    if (raw === null || raw === undefined) return null;
    const parsed = this.parseAttachment(raw);
    if (parsed === null) logEvent("warn", `${this.kind}.bad_attachment`);
    else this.attached.set(ws, parsed);
    return parsed;
  }

  /** Stores the socket's attachment (it survives hibernation) and keeps the parsed copy. */
  protected setAttachment(ws: WebSocket, attachment: A): void {
    ws.serializeAttachment(attachment);
    this.attached.set(ws, attachment);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      const attachment = this.attachment(ws);
      if (!attachment) {
        // Not a socket this object accepted as it stands: nothing it sends is trusted.
        sendFrame(ws, socketError("internal", "This connection is in a bad state; reconnect"));
        closeSocket(ws, CLOSE.policy, "bad state");
        return;
      }
      if (!this.isOpen(attachment)) return;
      const decoded = decodeFrame(message);
      if (!decoded.ok) {
        sendFrame(ws, decoded.error);
        if (decoded.close !== undefined) await this.onRefusedClose(ws, attachment, decoded.error, decoded.close);
        return;
      }
      // The runtime answers the exact PING_FRAME while asleep; any other spelling of a ping lands here.
      if (decoded.frame.type === "ping") return void sendFrame(ws, PONG_FRAME);
      await this.onFrame(ws, attachment, decoded.frame);
    } catch (error) {
      this.fail(ws, error);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      await this.onClose(ws, code, reason);
    } catch (error) {
      logError(`${this.kind}.close_failed`, error);
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    try {
      await this.onSocketError(ws);
    } catch (error) {
      logError(`${this.kind}.socket_error_failed`, error);
    }
  }

  /** An error frame for a thrown error (its own code for an AppError); about one send when `clientId` is given. */
  protected fail(ws: WebSocket, error: unknown, clientId?: string): void {
    const about = clientId === undefined ? {} : { clientId };
    if (error instanceof AppError) return void sendFrame(ws, { ...socketError(error.code, error.message), ...about });
    logError(`${this.kind}.frame_failed`, error);
    sendFrame(ws, { ...socketError("internal", this.internalMessage), ...about });
  }
}
