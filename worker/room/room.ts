import { DurableObject } from "cloudflare:workers";
import { deleteConversationMessages } from "../db/conversations";
import { numberVar, type Env } from "../env";
import { AppError, describeError, errorResponse } from "../errors";
import { messageRule } from "../limits/rules";
import { take, type BucketState } from "../limits/token-bucket";
import { CONTENT_REJECTED_MESSAGE, moderateMessage } from "../moderation/moderate";
import { createReport, REPORT_SNAPSHOT_SIZE } from "../moderation/report";
import { randomId } from "../platform/identity";
import {
  CLOSE,
  LIMITS,
  PING_FRAME,
  PONG_FRAME,
  type HistoryMessage,
  type RoomServerFrame,
} from "../protocol";
import { acceptedUpgrade, closeSocket, decodeFrame, sendError, sendFrame } from "../socket";
import { readRoomConnect, type RoomConnect } from "./connect";
import { parseRoomFrame, type SendFrame } from "./frames";
import { copyPending, retryDelayMs } from "./history-copy";
import { RoomStore, toD1Row, type StoredMessage } from "./store";

/** Per-socket state, kept in the socket's attachment so it survives hibernation. */
interface Attachment {
  userId: string;
  platform: RoomConnect["platform"];
  openid: string | null;
  /** Set when the server or the user ended this socket on purpose: no grace period follows. */
  ended?: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * One room per pair of users, for as long as the pair exists. It relays frames between the two
 * sockets, stores each message in its own SQLite before acknowledging it, and hands messages to a
 * history writer from an alarm, which copies them to D1 in multi-room batches (history-copy.ts).
 */
export class Room extends DurableObject<Env> {
  protected readonly store: RoomStore;
  /** Serializes D1 writes (copy, erase) so an erase cannot be undone by a copy in flight. */
  private d1Chain: Promise<unknown> = Promise.resolve();
  /**
   * Message rate per socket. Memory is enough: a room only hibernates after a quiet spell, by which
   * time any bucket has refilled.
   */
  private readonly buckets = new WeakMap<WebSocket, BucketState>();
  /** Known alarm time; undefined until read back after a wake-up. */
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = this.openStore(ctx);
    // Keep-alives are answered by the runtime without waking the object, so idle rooms sleep.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  // --- connect ----------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    const info = readRoomConnect(request);
    if (!info || request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse("bad_request", "Rooms only accept WebSocket connections through the API", 400);
    }
    if (info.userId !== info.userA && info.userId !== info.userB) {
      return errorResponse("forbidden", "You are not part of this conversation", 403);
    }
    const now = Date.now();
    if (!this.store.meta()) {
      this.store.setMeta({ conversationId: info.conversationId, userA: info.userA, userB: info.userB });
    }
    this.pruneExpired(now);

    // A second socket of the same user replaces the first (a reconnect that raced the old close).
    for (const old of this.ctx.getWebSockets(info.userId)) {
      this.endSocket(old, "replaced", "You connected to this room from somewhere else", CLOSE.replaced);
    }

    const pair = new WebSocketPair();
    const [client, server] = Object.values(pair) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [info.userId]);
    server.serializeAttachment({ userId: info.userId, platform: info.platform, openid: info.openid } satisfies Attachment);

    const resume = info.after !== null;
    const me = this.store.arrive(info.userId, now, resume);
    const partnerId = this.partnerOf(info.userId);
    const partnerSocket = this.socketOf(partnerId);
    const partner = this.store.member(partnerId);

    const history = resume ? this.store.after(info.after ?? 0) : this.store.latest(LIMITS.historyOnConnect);
    sendFrame(server, { type: "history", messages: history.map((m) => this.view(m, info.userId)) } satisfies RoomServerFrame);
    sendFrame(server, { type: "presence", partner: partnerSocket ? "online" : "offline" } satisfies RoomServerFrame);
    // The partner left during this user's meeting (while this user was away): say so now.
    if (!partnerSocket && partner?.leftAt != null && partner.leftAt >= me.joinedAt) {
      sendFrame(server, { type: "partner_left" } satisfies RoomServerFrame);
    }
    if (partnerSocket) sendFrame(partnerSocket, { type: "presence", partner: "online" } satisfies RoomServerFrame);
    return acceptedUpgrade(client);
  }

  // --- frames -----------------------------------------------------------------

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      const attachment = this.attachment(ws);
      if (!attachment || attachment.ended) return;
      const decoded = decodeFrame(message);
      if (!decoded.ok) {
        sendFrame(ws, decoded.error);
        if (decoded.close) this.endSocket(ws, null, decoded.error.message, decoded.close, false);
        return;
      }
      // The runtime answers the exact PING_FRAME while asleep; any other spelling of a ping lands here.
      if (decoded.frame.type === "ping") return void sendFrame(ws, PONG_FRAME);
      const parsed = parseRoomFrame(decoded.frame);
      if (!parsed.ok) return void sendFrame(ws, parsed.error);
      const frame = parsed.frame;
      switch (frame.type) {
        case "send":
          return await this.onSend(ws, attachment, frame);
        case "typing": {
          const partner = this.socketOf(this.partnerOf(attachment.userId));
          if (partner) sendFrame(partner, { type: "typing" } satisfies RoomServerFrame);
          return;
        }
        case "leave":
          return this.onLeave(ws, attachment);
        case "report":
          return await this.onReport(ws, attachment, frame.reason);
      }
    } catch (error) {
      this.fail(ws, error);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      closeSocket(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
      this.onGone(ws);
    } catch (error) {
      console.error("room close handler failed", describeError(error));
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    try {
      this.onGone(ws);
    } catch (error) {
      console.error("room error handler failed", describeError(error));
    }
  }

  private async onSend(ws: WebSocket, sender: Attachment, frame: SendFrame): Promise<void> {
    const repeat = this.findSent(sender.userId, frame.clientId);
    if (repeat) {
      // A retry: the same ack again, nothing stored or delivered twice.
      sendFrame(ws, ackFrame(repeat));
      return;
    }
    const limit = take(messageRule(this.env), this.buckets.get(ws), Date.now());
    this.buckets.set(ws, limit.state);
    if (!limit.ok) {
      sendError(ws, "rate_limited", `Slow down: try again in ${Math.ceil(limit.retryAfterMs / 1000)} s`);
      if (limit.flooding) this.endSocket(ws, null, "flooding", CLOSE.policy, false);
      return;
    }

    // Checked before anything is stored or delivered; a rejected message leaves no trace.
    const verdict = await moderateMessage(this.env, { text: frame.text, platform: sender.platform, openid: sender.openid });
    if (verdict.verdict === "reject") return sendError(ws, "content_rejected", CONTENT_REJECTED_MESSAGE);
    // The same message may have been retried while the check ran.
    const raced = this.findSent(sender.userId, frame.clientId);
    if (raced) return void sendFrame(ws, ackFrame(raced));

    const now = Date.now();
    const draft = { id: randomId(), sender: sender.userId, clientId: frame.clientId, body: frame.text, at: now, flag: verdict.flagReason };
    const stored = this.store.append(draft);
    this.scheduleCopy(now);
    // The output gate holds these frames until the write above is durable: an ack is a promise.
    sendFrame(ws, ackFrame(stored));
    const partner = this.socketOf(this.partnerOf(sender.userId));
    if (partner) {
      sendFrame(partner, {
        type: "message",
        id: stored.id,
        seq: stored.seq,
        from: "partner",
        text: stored.body,
        at: stored.at,
      } satisfies RoomServerFrame);
    }
  }

  private findSent(userId: string, clientId: string): StoredMessage | null {
    return this.store.findByClientId(userId, clientId);
  }

  /** Reports the partner with the room's freshest messages (D1 may lag) and blocks the pair. */
  private async onReport(ws: WebSocket, reporter: Attachment, reason: string): Promise<void> {
    const meta = this.store.meta();
    if (!meta) throw new AppError("internal", "room has no participants", 500);
    const recent = this.store.latest(REPORT_SNAPSHOT_SIZE).map((m) => toD1Row(meta.conversationId, m));
    await createReport(this.env, { reporterId: reporter.userId, conversationId: meta.conversationId, reason, recent });
    sendFrame(ws, { type: "reported" } satisfies RoomServerFrame);
  }

  private onLeave(ws: WebSocket, attachment: Attachment): void {
    this.store.markLeft(attachment.userId, Date.now());
    this.notifyPartner(attachment.userId, { type: "partner_left" });
    this.endSocket(ws, null, "left", CLOSE.normal, true);
  }

  /** A socket is gone. Unless it ended on purpose, the user gets a grace period to come back. */
  private onGone(ws: WebSocket): void {
    const attachment = this.attachment(ws);
    if (!attachment || attachment.ended) return;
    attachment.ended = true;
    ws.serializeAttachment(attachment);
    if (this.socketOf(attachment.userId, ws)) return; // a newer socket of this user is live
    const until = Date.now() + numberVar(this.env.RECONNECT_GRACE_MS, 30_000);
    this.store.markAway(attachment.userId, until);
    this.scheduleAlarm(until);
    this.notifyPartner(attachment.userId, { type: "presence", partner: "offline" });
  }

  // --- alarm: grace periods, the D1 copy, retention ---------------------------

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    for (const member of this.store.expiredAway(now)) {
      if (this.socketOf(member.userId)) continue;
      this.store.markLeft(member.userId, member.awayUntil ?? now);
      this.notifyPartner(member.userId, { type: "partner_left" });
    }
    this.pruneExpired(now);
    try {
      await this.flush();
    } catch {
      // Logged and counted by flush; the next attempt waits out the backoff below.
    } finally {
      const failures = this.store.copyFailures();
      const copyAt = failures > 0 ? now + retryDelayMs(failures) : this.store.hasUncopied() ? now + this.flushDelay() : null;
      const next = [this.store.nextAwayDeadline(), copyAt, this.retentionDeadline()];
      const due = next.filter((t): t is number => t !== null);
      if (due.length) this.scheduleAlarm(Math.max(now, Math.min(...due)));
    }
  }

  /**
   * Copies every message D1 does not have yet through a history writer. Safe to repeat: D1
   * ignores ids it already holds. A failure is logged with its reason and counted for the backoff.
   */
  async flush(): Promise<number> {
    const meta = this.store.meta();
    if (!meta) return 0;
    return this.withD1(async () => {
      try {
        const copied = await copyPending(this.env, this.store, meta);
        if (this.store.copyFailures() > 0) this.store.setCopyFailures(0);
        if (copied !== "missing") return copied;
        // The conversation was erased (a participant deleted their account): nothing to copy into.
        this.endConversation();
        return 0;
      } catch (error) {
        const failures = this.store.copyFailures() + 1;
        this.store.setCopyFailures(failures);
        console.warn(`room history copy failed (${failures} in a row; next try in about ${retryDelayMs(failures, () => 0)} ms)`, describeError(error));
        throw error;
      }
    });
  }

  /** The conversation no longer exists: drop what the room holds and close every socket. */
  private endConversation(): void {
    this.store.eraseAll();
    for (const ws of this.ctx.getWebSockets()) this.endSocket(ws, "conversation_ended", "This conversation has ended", CLOSE.ended);
  }

  // --- RPC from the worker ----------------------------------------------------

  /** Erases this conversation's history here and in D1; returns how many messages went. */
  async eraseHistory(conversationId: string): Promise<number> {
    return this.withD1(async () => {
      const pendingHere = this.store.eraseAll();
      const inD1 = await deleteConversationMessages(this.env.DB, conversationId);
      return pendingHere + inD1;
    });
  }

  /** Closes this user's socket (ban, self-erasure); the partner sees them leave. */
  async disconnectUser(userId: string, code: "banned" | "conversation_ended"): Promise<void> {
    const message = code === "banned" ? "This account has been banned" : "This conversation has ended";
    for (const ws of this.ctx.getWebSockets(userId)) this.endSocket(ws, code, message, CLOSE.ended);
    if (this.store.member(userId)) {
      this.store.markLeft(userId, Date.now());
      this.notifyPartner(userId, { type: "partner_left" });
    }
  }

  // --- helpers ----------------------------------------------------------------

  private partnerOf(userId: string): string {
    const meta = this.store.meta();
    if (!meta) throw new AppError("internal", "room has no participants", 500);
    return meta.userA === userId ? meta.userB : meta.userA;
  }

  /** The user's live socket, ignoring `except` and sockets already ended. */
  private socketOf(userId: string, except?: WebSocket): WebSocket | undefined {
    return this.ctx.getWebSockets(userId).find((ws) => ws !== except && !this.attachment(ws)?.ended);
  }

  private attachment(ws: WebSocket): Attachment | null {
    return (ws.deserializeAttachment() as Attachment | null) ?? null;
  }

  private notifyPartner(userId: string, frame: RoomServerFrame): void {
    const partner = this.socketOf(this.partnerOf(userId));
    if (partner) sendFrame(partner, frame);
  }

  /** Ends a socket on purpose: optional error frame, then close, with no grace period. */
  private endSocket(ws: WebSocket, code: Parameters<typeof sendError>[1] | null, message: string, closeCode: number, quiet = true): void {
    const attachment = this.attachment(ws);
    if (attachment) {
      attachment.ended = quiet;
      ws.serializeAttachment(attachment);
    }
    if (code) sendError(ws, code, message);
    closeSocket(ws, closeCode, message);
    if (!quiet) this.onGone(ws);
  }

  /** Where messages are kept; the benchmark's no-persistence variant swaps in memory. */
  protected openStore(ctx: DurableObjectState): RoomStore {
    return new RoomStore(ctx.storage.sql);
  }

  private view(m: StoredMessage, viewer: string): HistoryMessage {
    return { id: m.id, seq: m.seq, from: m.sender === viewer ? "me" : "partner", text: m.body, at: m.at };
  }

  private scheduleAlarm(at: number): void {
    if (this.alarmAt === undefined) {
      // After a wake-up we do not know the stored alarm; read it, then decide.
      void this.ctx.storage.getAlarm().then((stored) => {
        this.alarmAt = stored;
        this.scheduleAlarm(at);
      });
      return;
    }
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /** A new message is due for copying; a failing copy keeps its backoff rather than retrying per message. */
  private scheduleCopy(now: number): void {
    const failures = this.store.copyFailures();
    this.scheduleAlarm(now + (failures > 0 ? retryDelayMs(failures, () => 0) : this.flushDelay()));
  }

  /**
   * How long messages gather before their copy to D1. Jittered by up to half again, so rooms that
   * started together do not all hit D1 in the same instant.
   */
  private flushDelay(): number {
    const base = numberVar(this.env.D1_FLUSH_DELAY_MS, 1000);
    return base + Math.floor(Math.random() * (base / 2));
  }

  private retentionMs(): number {
    return numberVar(this.env.RETENTION_DAYS, 30) * DAY_MS;
  }

  private pruneExpired(now: number): void {
    if (this.retentionMs() > 0) this.store.pruneBefore(now - this.retentionMs());
  }

  /** When the oldest message here falls out of retention, so an idle room still forgets it. */
  private retentionDeadline(): number | null {
    const oldest = this.store.oldestCopiedAt();
    return oldest === null || this.retentionMs() <= 0 ? null : oldest + this.retentionMs();
  }

  private withD1<T>(work: () => Promise<T>): Promise<T> {
    const run = this.d1Chain.then(work, work);
    this.d1Chain = run.catch(() => undefined);
    return run;
  }

  private fail(ws: WebSocket, error: unknown): void {
    if (error instanceof AppError) return sendError(ws, error.code, error.message);
    console.error("room frame handler failed", describeError(error));
    sendError(ws, "internal", "Something went wrong on our side; the message was not sent");
  }
}

function ackFrame(m: StoredMessage): RoomServerFrame {
  return { type: "ack", clientId: m.clientId, id: m.id, seq: m.seq, at: m.at };
}
