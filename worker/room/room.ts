import { DurableObject } from "cloudflare:workers";
import {
  countMessagesBetween,
  deleteConversationMessages,
  deleteMessagesThrough,
  hideConversationFor,
} from "../db/conversations";
import { numberVar, type Env } from "../env";
import { logEvent } from "../log";
import { AppError, describeError, errorResponse, socketError } from "../errors";
import { messageRule, ROOM_CONNECT_RULE, TYPING_INTERVAL_MS } from "../limits/rules";
import { take, type BucketState } from "../limits/token-bucket";
import { CONTENT_REJECTED_MESSAGE, failOpen, moderateMessage, type ModerationResult } from "../moderation/moderate";
import { createReport, REPORT_SNAPSHOT_SIZE } from "../moderation/report";
import { randomId } from "../platform/identity";
import {
  CLOSE,
  LIMITS,
  PING_FRAME,
  PONG_FRAME,
  type ErrorCode,
  type HistoryMessage,
  type RoomClientFrame,
  type RoomServerFrame,
} from "../protocol";
import { deleteConversationImages } from "../media/store";
import { acceptedUpgrade, closeSocket, decodeFrame, sendError, sendFrame } from "../socket";
import { readRoomConnect, type RoomConnect } from "./connect";
import { parseRoomFrame, type SendFrame } from "./frames";
import { copyPending, retryDelayMs } from "./history-copy";
import { bucketFromSendTimes, refillWindowMs } from "./send-limit";
import { backInRoom, noticeAway } from "./away-notice";
import { acceptImage, applyImageOutcome, expireDueImages, nextImageDue, rememberOrigin, viewsOf } from "./images";
import type { ImageOutcome, ImageOutcomeReceiver } from "../media/outcome";
import type { RoomParts } from "./parts";
import { recall } from "./recall";
import { connectsKey, RoomStore, toD1Row, type StoredMessage } from "./store";

/** Per-socket state, kept in the socket's attachment so it survives hibernation. */
interface Attachment {
  userId: string;
  platform: RoomConnect["platform"];
  openid: string | null;
  /** The user deleted the conversation up to this seq: their history starts after it. */
  hiddenUpTo?: number;
  /** Set when the server or the user ended this socket on purpose: no grace period follows. */
  ended?: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * One room per pair of users, for as long as the pair exists. It relays frames between the two
 * sockets, stores each message in its own SQLite before acknowledging it, and hands messages to a
 * history writer from an alarm, which copies them to D1 in multi-room batches (history-copy.ts).
 */
export class Room extends DurableObject<Env> implements ImageOutcomeReceiver {
  protected readonly store: RoomStore;
  /** Serializes D1 writes (copy, erase) so an erase cannot be undone by a copy in flight. */
  private d1Chain: Promise<unknown> = Promise.resolve();
  /**
   * Message rate per user (not per socket). Memory is a cache: after hibernation or eviction it is
   * rebuilt from the user's stored message times, so reconnecting refills nothing.
   */
  private readonly sendBuckets = new Map<string, BucketState>();
  /**
   * When each user's last typing frame was relayed. Memory is enough: the interval (2 s) is
   * shorter than the quiet spell before a room hibernates.
   */
  private readonly typingAt = new Map<string, number>();
  /** Sends are stored and acked in arrival order, however long each one's content check takes. */
  private sendChain: Promise<void> = Promise.resolve();
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
    if (this.store.ended()) return errorResponse("conversation_ended", "This conversation has ended", 410);
    const now = Date.now();
    if (!this.store.meta()) {
      this.store.setMeta({ conversationId: info.conversationId, userA: info.userA, userB: info.userB });
    }
    // Per user, in storage: reconnecting in a loop neither gets through nor floods the partner.
    const connects = this.store.metaValue(connectsKey(info.userId));
    const allowed = take(ROOM_CONNECT_RULE, connects ? (JSON.parse(connects) as BucketState) : undefined, now);
    this.store.setMetaValue(connectsKey(info.userId), JSON.stringify(allowed.state));
    if (!allowed.ok) {
      const wait = Math.ceil(allowed.retryAfterMs / 1000);
      return errorResponse("too_many_attempts", `Too many reconnects: try again in ${wait} s`, 429);
    }
    this.pruneExpired(now);

    // A second socket of the same user replaces the first (a reconnect that raced the old close).
    const wasOnline = this.socketOf(info.userId) !== undefined;
    for (const old of this.ctx.getWebSockets(info.userId)) {
      this.endSocket(old, "replaced", "You connected to this room from somewhere else", CLOSE.replaced);
    }

    const pair = new WebSocketPair();
    const [client, server] = Object.values(pair) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [info.userId]);
    const hiddenUpTo = info.hiddenUpTo ?? 0;
    server.serializeAttachment({ userId: info.userId, platform: info.platform, openid: info.openid, hiddenUpTo } satisfies Attachment);

    const resume = info.after !== null;
    const me = this.store.arrive(info.userId, now, resume);
    backInRoom(this.store, info.userId); // media2: the next absence may bring one reply notice
    rememberOrigin(this.store, info.origin); // media2: for signed picture links
    const partnerId = this.partnerOf(info.userId);
    const partnerSocket = this.socketOf(partnerId);
    const partner = this.store.member(partnerId);

    if (resume) {
      await this.sendHistoryPage(server, info.userId, Math.max(info.after ?? 0, hiddenUpTo), hiddenUpTo);
    } else {
      const history = this.store.latest(LIMITS.historyOnConnect, hiddenUpTo);
      sendFrame(server, { type: "history", messages: await this.views(history, info.userId) } satisfies RoomServerFrame);
    }
    sendFrame(server, { type: "presence", partner: partnerSocket ? "online" : "offline" } satisfies RoomServerFrame);
    // The partner left during this user's meeting (while this user was away): say so now.
    if (!partnerSocket && partner?.leftAt != null && partner.leftAt >= me.joinedAt) {
      sendFrame(server, { type: "partner_left" } satisfies RoomServerFrame);
    }
    // Told early, so the client logs in again before the user's first send is refused.
    if (needsTicket(info)) sendError(server, "ticket_required", TICKET_REQUIRED_MESSAGE);
    // Only a real change: a socket replacing a live one changes nothing the partner can see.
    if (partnerSocket && !wasOnline) sendFrame(partnerSocket, { type: "presence", partner: "online" } satisfies RoomServerFrame);
    return acceptedUpgrade(client);
  }

  /** One bounded page of history after `after`; `more` tells the client to ask again. */
  private async sendHistoryPage(ws: WebSocket, viewer: string, after: number, hiddenUpTo: number): Promise<void> {
    const page = this.store.page(Math.max(after, hiddenUpTo), LIMITS.historyPageMax);
    const messages = await this.views(page.messages, viewer);
    sendFrame(ws, (page.more ? { type: "history", messages, more: true } : { type: "history", messages }) satisfies RoomServerFrame);
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
      if (!parsed.ok) return void sendFrame(ws, { ...parsed.error, ...sendClientId(decoded.frame) });
      const frame = parsed.frame;
      switch (frame.type) {
        case "send":
          return await this.onSend(ws, attachment, frame);
        case "history":
          return await this.sendHistoryPage(ws, attachment.userId, frame.after, attachment.hiddenUpTo ?? 0);
        case "typing":
          return this.onTyping(attachment);
        case "leave":
          return this.onLeave(ws, attachment);
        case "report":
          return await this.onReport(ws, attachment, frame.reason, frame.messageId);
        // media2: pictures and recall (worker/room/images.ts, recall.ts)
        case "image":
          return await this.onImage(ws, attachment, frame);
        case "recall": {
          const refused = await recall(this.parts(), attachment.userId, frame.id);
          if (refused) sendFrame(ws, socketError(refused.code, refused.message));
          return;
        }
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

  /**
   * A send: cheap checks and the rate limit now, in arrival order; the content check starts at
   * once; storing and acking wait their turn behind every earlier send of this room.
   */
  private async onSend(ws: WebSocket, sender: Attachment, frame: SendFrame): Promise<void> {
    const refuse = (code: ErrorCode, message: string) => sendFrame(ws, { ...socketError(code, message), clientId: frame.clientId });
    if (this.store.ended()) return void refuse("conversation_ended", "This conversation has ended");
    const repeat = this.findSent(sender.userId, frame.clientId);
    if (repeat) {
      // A retry: the same ack again, nothing stored or delivered twice (it was checked when stored).
      sendFrame(ws, ackFrame(repeat));
      return;
    }
    const unchecked = needsTicket(sender);
    if (unchecked && !failOpen(this.env)) return void refuse("ticket_required", TICKET_REQUIRED_MESSAGE);
    const limit = this.takeSendToken(sender.userId, Date.now());
    if (!limit.ok) {
      refuse("rate_limited", `Slow down: try again in ${Math.ceil(limit.retryAfterMs / 1000)} s`);
      if (limit.flooding) this.endSocket(ws, null, "flooding", CLOSE.policy, false);
      return;
    }

    // Checked before anything is stored or delivered; a rejected message leaves no trace.
    const check = moderateMessage(this.env, { text: frame.text, platform: sender.platform, openid: sender.openid }).then(
      (verdict): ModerationResult =>
        // Without a ticket (fail-open) the platform could not name the sender: flag it for admins.
        unchecked && verdict.verdict === "pass" ? { verdict: "review", flagged: true, flagReason: "unchecked" } : verdict,
    );
    check.catch(() => undefined); // awaited below, in turn; never an unhandled rejection meanwhile
    const turn = this.sendChain.then(() => this.commitSend(ws, sender, frame, check));
    this.sendChain = turn.catch(() => undefined);
    try {
      await turn;
    } catch (error) {
      this.fail(ws, error, frame.clientId);
    }
  }

  /** Stores, acks and delivers one send once its check is done and every earlier send is through. */
  private async commitSend(ws: WebSocket, sender: Attachment, frame: SendFrame, check: Promise<ModerationResult>): Promise<void> {
    const verdict = await check;
    const refuse = (code: ErrorCode, message: string) => sendFrame(ws, { ...socketError(code, message), clientId: frame.clientId });
    if (verdict.verdict === "reject") return void refuse("content_rejected", CONTENT_REJECTED_MESSAGE);
    // Erased while the check ran: nothing is stored after that.
    if (this.store.ended()) return void refuse("conversation_ended", "This conversation has ended");
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
    } else this.parts().partnerWrote(this.partnerOf(sender.userId)); // media2: 对方回复了你
  }

  /** media2: an image frame, in the same order, limit and dedupe as sends (worker/room/images.ts). */
  private async onImage(ws: WebSocket, sender: Attachment, frame: Extract<RoomClientFrame, { type: "image" }>): Promise<void> {
    const refuse = (code: ErrorCode, message: string) => sendFrame(ws, { ...socketError(code, message), clientId: frame.clientId });
    if (this.store.ended()) return void refuse("conversation_ended", "This conversation has ended");
    const repeat = this.findSent(sender.userId, frame.clientId);
    if (!repeat) {
      const limit = this.takeSendToken(sender.userId, Date.now());
      if (!limit.ok) return void refuse("rate_limited", `Slow down: try again in ${Math.ceil(limit.retryAfterMs / 1000)} s`);
    }
    const turn = this.sendChain.then(() => acceptImage(this.parts(), ws, sender.userId, frame));
    this.sendChain = turn.catch(() => undefined);
    try {
      await turn;
    } catch (error) {
      this.fail(ws, error, frame.clientId);
    }
  }

  /** media2: what images.ts / recall.ts may use of the room. */
  private parts(): RoomParts {
    const meta = this.store.meta();
    if (!meta) throw new AppError("internal", "room has no participants", 500);
    return {
      env: this.env,
      store: this.store,
      conversationId: meta.conversationId,
      partnerOf: (userId) => this.partnerOf(userId),
      sendTo: (userId, frame) => {
        const ws = this.socketOf(userId);
        if (ws) sendFrame(ws, frame);
        return ws !== undefined;
      },
      withD1: (work) => this.withD1(work),
      scheduleAlarm: (at) => this.scheduleAlarm(at),
      scheduleCopy: (now) => this.scheduleCopy(now),
      partnerWrote: (userId) => this.ctx.waitUntil(noticeAway(this.env, this.store, userId)),
    };
  }

  private views(messages: StoredMessage[], viewer: string): Promise<HistoryMessage[]> {
    return viewsOf(this.parts(), messages, viewer);
  }

  /** The user's message budget, shared by all their sockets; rebuilt from storage after a wake-up. */
  private takeSendToken(userId: string, now: number) {
    const rule = messageRule(this.env);
    let state = this.sendBuckets.get(userId);
    if (!state) {
      const since = Math.max(0, now - refillWindowMs(rule));
      state = bucketFromSendTimes(rule, this.store.sendTimes(userId, since, Math.ceil(rule.burst)));
    }
    const result = take(rule, state, now);
    this.sendBuckets.set(userId, result.state);
    return result;
  }

  /** Typing is relayed at most once per TYPING_INTERVAL_MS per sender; the rest are dropped. */
  private onTyping(sender: Attachment): void {
    const now = Date.now();
    if (now - (this.typingAt.get(sender.userId) ?? 0) < TYPING_INTERVAL_MS) return;
    this.typingAt.set(sender.userId, now);
    this.notifyPartner(sender.userId, { type: "typing" });
  }

  private findSent(userId: string, clientId: string): StoredMessage | null {
    return this.store.findByClientId(userId, clientId);
  }

  /** Reports the partner with the room's freshest messages (D1 may lag) and blocks the pair. */
  private async onReport(ws: WebSocket, reporter: Attachment, reason: string, messageId?: string): Promise<void> {
    const meta = this.store.meta();
    if (!meta) throw new AppError("internal", "room has no participants", 500);
    const recent = this.store.latest(REPORT_SNAPSHOT_SIZE).map((m) => toD1Row(meta.conversationId, m));
    await createReport(this.env, { reporterId: reporter.userId, conversationId: meta.conversationId, reason, messageId, recent });
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
    if (this.store.meta()) await expireDueImages(this.parts(), now); // media2: pictures past their check deadline
    try {
      await this.flush();
    } catch {
      // Logged and counted by flush; the next attempt waits out the backoff below.
    } finally {
      const failures = this.store.copyFailures();
      const copyAt = failures > 0 ? now + retryDelayMs(failures) : this.store.hasUncopied() ? now + this.flushDelay() : null;
      const next = [this.store.nextAwayDeadline(), copyAt, this.retentionDeadline(), nextImageDue(this.store)];
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
        logEvent("warn", "room.history_copy_failed", { failures, retryInMs: retryDelayMs(failures, () => 0), reason: describeError(error) });
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

  /** media2: a verdict on one of this room's pictures (worker/media/outcome.ts). */
  async imageChecked(outcome: ImageOutcome): Promise<void> {
    if (this.store.meta()) await applyImageOutcome(this.parts(), outcome);
  }

  /** Erases this conversation's history here and in D1; returns how many messages went. */
  async eraseHistory(conversationId: string): Promise<number> {
    return this.withD1(async () => {
      const pendingHere = this.store.eraseAll();
      const inD1 = await deleteConversationMessages(this.env.DB, conversationId);
      return pendingHere + inD1;
    });
  }

  /**
   * `userId` deleted the conversation: their view starts after the newest message now (their REST
   * history and this room's history frames); the partner keeps everything. What both have deleted
   * goes for good. Returns how many messages the caller no longer sees.
   */
  async hideFor(conversationId: string, userId: string, previousMark: number): Promise<number> {
    return this.withD1(async () => {
      const last = this.store.nextSeq() - 1;
      const marks = await hideConversationFor(this.env.DB, conversationId, userId, last);
      for (const ws of this.ctx.getWebSockets(userId)) {
        const attachment = this.attachment(ws);
        if (attachment) ws.serializeAttachment({ ...attachment, hiddenUpTo: marks.mine });
      }
      const pendingHere = this.store.countUncopiedBetween(previousMark, marks.mine);
      const hidden = pendingHere + (await countMessagesBetween(this.env.DB, conversationId, previousMark, marks.mine));
      if (marks.both > 0) {
        this.store.eraseThrough(marks.both);
        await deleteMessagesThrough(this.env.DB, conversationId, marks.both);
      }
      // Pictures go once both have deleted everything, like the text (the partner's evidence until then).
      if (last > 0 && marks.both >= last) await deleteConversationImages(this.env, conversationId);
      return hidden;
    });
  }

  /**
   * A participant erased themselves: the room ends for good. Their partner is told and closed,
   * nothing is stored or acked after this, and the room forgets the erased id (pair, member row,
   * limits; the messages go with eraseHistory, which erasure calls next and which counts them).
   */
  async endForErasure(userId: string): Promise<void> {
    const meta = this.store.meta();
    if (!meta || (meta.userA !== userId && meta.userB !== userId)) return;
    const partnerId = this.partnerOf(userId);
    const partnerAlreadyTold = this.store.member(userId)?.leftAt != null;
    this.store.endAndForget(userId, Date.now());
    // Sockets already ended (disconnectUser ran first) are closing: closing them again stalls the close.
    for (const ws of this.ctx.getWebSockets(userId)) {
      if (!this.attachment(ws)?.ended) this.endSocket(ws, "conversation_ended", "This conversation has ended", CLOSE.ended);
    }
    for (const ws of this.ctx.getWebSockets(partnerId)) {
      if (!partnerAlreadyTold) sendFrame(ws, { type: "partner_left" } satisfies RoomServerFrame);
      this.endSocket(ws, "conversation_ended", "Your partner deleted their account; this conversation has ended", CLOSE.ended);
    }
    this.sendBuckets.delete(userId);
    this.typingAt.delete(userId);
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

  /** An error frame for a thrown error; about one send when `clientId` is given. */
  private fail(ws: WebSocket, error: unknown, clientId?: string): void {
    const about = clientId === undefined ? {} : { clientId };
    if (error instanceof AppError) return void sendFrame(ws, { ...socketError(error.code, error.message), ...about });
    console.error("room frame handler failed", describeError(error));
    sendFrame(ws, { ...socketError("internal", "Something went wrong on our side; the message was not sent"), ...about });
  }
}

const TICKET_REQUIRED_MESSAGE = "Your content-check ticket is missing or expired: log in again and reconnect";

/** A WeChat/QQ socket without a valid ticket for its user: the platform check cannot name the sender. */
function needsTicket(who: { platform: RoomConnect["platform"]; openid: string | null }): boolean {
  return who.platform !== "dev" && !who.openid;
}

/** The clientId of a send frame that failed validation, when it has a usable one. */
function sendClientId(frame: { type: string } & Record<string, unknown>): { clientId?: string } {
  const { clientId } = frame;
  return frame.type === "send" && typeof clientId === "string" && clientId.length > 0 && clientId.length <= LIMITS.clientIdMax
    ? { clientId }
    : {};
}

function ackFrame(m: StoredMessage): RoomServerFrame {
  return { type: "ack", clientId: m.clientId, id: m.id, seq: m.seq, at: m.at };
}
