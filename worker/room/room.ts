import { historyDbFor } from "../history/shards";
import {
  countMessagesBetween,
  deleteConversationMessages,
  deleteMessagesThrough,
  hideConversationFor,
} from "../db/conversations";
import type { Env } from "../env";
import { AppError, errorResponse, socketError } from "../errors";
import { logEvent } from "../log";
import { HISTORY_RULE, ROOM_CONNECT_RULE } from "../limits/rules";
import { take, type BucketState } from "../limits/token-bucket";
import { createReport, REPORT_CONTEXT, REPORT_SNAPSHOT_SIZE } from "../report";
import { CLOSE, LIMITS, type HistoryMessage, type RoomClientFrame, type RoomServerFrame, type SocketError } from "../protocol";
import type { ImageOutcome } from "../media/outcome";
import { deleteConversationImages } from "../media/store";
import { closeSocket, sendError, sendFrame } from "../socket";
import { SocketShell, type RawFrame } from "../socket-shell";
import { AlarmClock } from "./alarm-clock";
import { RoomCare } from "./care";
import { backInRoom, noticeAway } from "./away-notice";
import { parseAttachment, type RoomAttachment } from "./attachment";
import { readRoomConnect } from "./connect";
import { parseRoomFrame } from "./frames";
import { HistoryCopy } from "../history/copy";
import { acceptImage, applyImageOutcome, expireDueImages, nextImageDue } from "./images";
import type { RoomParts } from "./parts";
import { Presence } from "./presence";
import { recall } from "./recall";
import { imageStates, missedChanges } from "./resume";
import { RoomKeep, type KeepAnswer } from "./keep";
import { pruneExpired, retentionDeadline } from "./retention";
import { needsTicket, SendPipeline, TICKET_REQUIRED_MESSAGE } from "./send-pipeline";
import { RoomSockets } from "./sockets";
import { rememberOrigin, viewsOf } from "./views";
import { connectsKey, RoomStore, toD1Row, type StoredMessage } from "./store";

/**
 * One room per pair of users, for as long as the pair exists. A socket shell: it accepts the
 * pair's sockets and hands each duty to its module — sends (send-pipeline.ts), the copy to D1
 * (history/copy.ts), presence and grace (presence.ts), retention (retention.ts).
 */
export class Room extends SocketShell<RoomAttachment> {
  protected readonly kind = "room";
  protected readonly internalMessage = "Something went wrong on our side; the message was not sent";
  protected readonly store: RoomStore;
  private readonly alarmClock: AlarmClock;
  private readonly sockets: RoomSockets;
  private readonly presence: Presence;
  private readonly history: HistoryCopy;
  private readonly sends: SendPipeline;
  private readonly care: RoomCare;
  private readonly keep: RoomKeep;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = this.openStore(ctx);
    this.alarmClock = new AlarmClock(ctx.storage);
    this.sockets = new RoomSockets(ctx, this.store, (ws) => this.attachment(ws));
    this.presence = new Presence(env, this.store, this.sockets, this.alarmClock);
    this.history = new HistoryCopy(env, this.store, this.alarmClock);
    this.care = new RoomCare(env, this.store, this.sockets);
    this.keep = new RoomKeep(env, this.store, this.sockets);
    this.sends = new SendPipeline(env, this.store, this.sockets, {
      wrote: (userId, message) => this.ctx.waitUntil(this.care.afterText(userId, message)),
      stored: (now) => this.history.scheduleAfterAppend(now),
      dropFlooder: (ws) => this.endSocket(ws, null, "flooding", CLOSE.policy, false),
      fail: (ws, error, clientId) => this.fail(ws, error, clientId),
      partnerAway: (userId) => this.ctx.waitUntil(noticeAway(this.env, this.store, userId)),
    });
  }

  protected parseAttachment(value: unknown): RoomAttachment | null {
    return parseAttachment(value);
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
    const allowed = take(ROOM_CONNECT_RULE, this.connectBucket(info.userId, now), now);
    this.store.setMetaValue(connectsKey(info.userId), JSON.stringify(allowed.state));
    if (!allowed.ok) {
      const wait = Math.ceil(allowed.retryAfterMs / 1000);
      return errorResponse("too_many_attempts", `Too many reconnects: try again in ${wait} s`, 429);
    }
    pruneExpired(this.env, this.store, now);

    // A second socket of the same user replaces the first (a reconnect that raced the old close).
    const wasOnline = this.sockets.socketOf(info.userId) !== undefined;
    for (const old of this.ctx.getWebSockets(info.userId)) {
      this.endSocket(old, "replaced", "You connected to this room from somewhere else", CLOSE.replaced);
    }

    const hiddenUpTo = info.hiddenUpTo ?? 0;
    const { server, response } = this.accept([info.userId], { userId: info.userId, platform: info.platform, openid: info.openid, hiddenUpTo });
    const resume = info.after !== null;
    const me = this.store.arrive(info.userId, now, resume);
    backInRoom(this.store, info.userId); // the next absence may bring one reply notice
    rememberOrigin(this.store, info.origin); // for signed picture links
    if (resume) {
      const pagedTo = await this.sendHistoryPage(server, info.userId, Math.max(info.after ?? 0, hiddenUpTo), hiddenUpTo);
      this.notePaging(server, pagedTo);
      // Verdicts and recalls of messages the phone already had (resume.ts), however many followed.
      for (const frame of await missedChanges(this.parts(), info.userId, info.after ?? 0, hiddenUpTo)) sendFrame(server, frame);
    } else {
      const history = this.store.latest(LIMITS.historyOnConnect, hiddenUpTo);
      sendFrame(server, { type: "history", messages: await this.views(history, info.userId) } satisfies RoomServerFrame);
    }
    this.presence.arrived(server, info.userId, me, wasOnline);
    await this.care.arrived(info.userId, server, now);
    // Told early, so the client logs in again before the user's first send is refused.
    if (needsTicket(info)) sendError(server, "ticket_required", TICKET_REQUIRED_MESSAGE);
    // A kept chat says so (the client shows it as 我的聊天), and its unread count restarts here.
    if (this.keep.isKept()) sendFrame(server, { type: "kept" } satisfies RoomServerFrame);
    this.markRead(info.userId);
    return response;
  }

  /** The user's stored reconnect budget; an unreadable one is logged and starts empty (this connect is refused). */
  private connectBucket(userId: string, now: number): BucketState | undefined {
    const raw = this.store.metaValue(connectsKey(userId));
    if (!raw) return undefined;
    try {
      const { tokens, at, refusals } = JSON.parse(raw) as Record<string, unknown>;
      if (typeof tokens === "number" && typeof at === "number" && typeof refusals === "number") return { tokens, at, refusals };
    } catch {
      // logged below
    }
    logEvent("warn", "room.bad_connect_limit");
    return { tokens: 0, at: now, refusals: 0 };
  }

  /**
   * One bounded page of history after `after`; `more` tells the client to ask again. Returns the
   * page's last seq when it said `more` (where the walk goes on), else undefined.
   */
  private async sendHistoryPage(ws: WebSocket, viewer: string, after: number, hiddenUpTo: number): Promise<number | undefined> {
    const page = this.store.page(Math.max(after, hiddenUpTo), LIMITS.historyPageMax);
    const messages = await this.views(page.messages, viewer);
    sendFrame(ws, (page.more ? { type: "history", messages, more: true } : { type: "history", messages }) satisfies RoomServerFrame);
    return page.more ? page.messages.at(-1)?.seq : undefined;
  }

  /**
   * A history request on an open socket. Walking on from a page that said `more` is free; any
   * other request (a re-request) takes a token of this socket's HISTORY_RULE budget, and past it
   * is answered `too_many_attempts` with no page.
   */
  private async onHistory(ws: WebSocket, attachment: RoomAttachment, after: number): Promise<void> {
    const continues = attachment.pagedTo !== undefined && after >= attachment.pagedTo;
    if (!continues) {
      const now = Date.now();
      const limit = take(HISTORY_RULE, attachment.historyBucket, now);
      this.setAttachment(ws, { ...attachment, historyBucket: limit.state });
      if (!limit.ok) {
        const wait = Math.max(1, Math.ceil(limit.retryAfterMs / 1000));
        return void sendError(ws, "too_many_attempts", `Too many history requests: try again in ${wait} s`);
      }
    }
    this.notePaging(ws, await this.sendHistoryPage(ws, attachment.userId, after, attachment.hiddenUpTo ?? 0));
  }

  /** Remembers where this socket's history walk may go on for free (undefined: it is complete). */
  private notePaging(ws: WebSocket, pagedTo: number | undefined): void {
    const current = this.attachment(ws);
    if (!current || current.pagedTo === pagedTo) return;
    const { pagedTo: _old, ...rest } = current;
    this.setAttachment(ws, pagedTo === undefined ? rest : { ...rest, pagedTo });
  }

  // --- frames -----------------------------------------------------------------

  protected override isOpen(attachment: RoomAttachment): boolean {
    return !attachment.ended;
  }

  protected async onFrame(ws: WebSocket, attachment: RoomAttachment, raw: RawFrame): Promise<void> {
    const parsed = parseRoomFrame(raw);
    if (!parsed.ok) return void sendFrame(ws, { ...parsed.error, ...sendClientId(raw) });
    const frame = parsed.frame;
    switch (frame.type) {
      case "send":
        return await this.sends.send(ws, attachment, frame);
      case "history":
        return await this.onHistory(ws, attachment, frame.after);
      case "typing":
        return this.presence.typing(attachment.userId);
      case "leave":
        this.presence.left(attachment.userId, Date.now());
        return this.endSocket(ws, null, "left", CLOSE.normal, true);
      case "keep": {
        const answer = await this.keep.tap(attachment.userId, Date.now());
        if (!answer.ok) sendFrame(ws, socketError(answer.code, answer.message));
        return;
      }
      case "report":
        return await this.onReport(ws, attachment, frame);
      case "image":
        return await this.sends.image(ws, attachment, frame, () => acceptImage(this.parts(), ws, attachment.userId, frame));
      case "image_query":
        for (const out of await imageStates(this.parts(), attachment.userId, frame.ids)) sendFrame(ws, out);
        return;
      case "recall": {
        const refused = await recall(this.parts(), attachment.userId, frame.id);
        if (refused) sendFrame(ws, socketError(refused.code, refused.message));
        return;
      }
    }
  }

  protected onRefusedClose(ws: WebSocket, _attachment: RoomAttachment, error: SocketError, closeCode: number): void {
    this.endSocket(ws, null, error.message, closeCode, false);
  }

  protected onClose(ws: WebSocket, code: number, reason: string): void {
    closeSocket(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
    this.onGone(ws);
  }

  protected onSocketError(ws: WebSocket): void {
    this.onGone(ws);
  }

  /**
   * Reports the partner with the room's freshest messages (D1 may lag): the latest, and those
   * around the pointed message however many came after it. Blocks the pair.
   */
  private async onReport(ws: WebSocket, reporter: RoomAttachment, frame: Extract<RoomClientFrame, { type: "report" }>): Promise<void> {
    const meta = this.store.meta();
    if (!meta) throw new AppError("internal", "room has no participants", 500);
    const { category, reason, messageId } = frame;
    const pointed = messageId ? this.store.findById(messageId) : null;
    const around = pointed ? this.store.page(Math.max(0, pointed.seq - REPORT_CONTEXT - 1), 2 * REPORT_CONTEXT + 1).messages : [];
    const recent = [...this.store.latest(REPORT_SNAPSHOT_SIZE), ...around].map((m) => toD1Row(meta.conversationId, m));
    const { endedKept } = await createReport(this.env, {
      reporterId: reporter.userId,
      conversationId: meta.conversationId,
      category,
      reason,
      messageId,
      recent,
      later: (work) => this.ctx.waitUntil(work),
    });
    sendFrame(ws, { type: "reported" } satisfies RoomServerFrame);
    // The report blocked the pair: a kept chat ends with it, for both.
    if (endedKept) await this.endKept();
  }

  /** A socket is gone. Unless it ended on purpose, the user gets a grace period to come back. */
  private onGone(ws: WebSocket): void {
    const attachment = this.attachment(ws);
    if (attachment) this.markRead(attachment.userId);
    if (!attachment || attachment.ended) return;
    attachment.ended = true;
    this.setAttachment(ws, attachment);
    this.presence.dropped(attachment.userId, ws);
  }

  // --- alarm: grace periods, the D1 copy, retention ---------------------------

  override async alarm(): Promise<void> {
    this.alarmClock.fired();
    const now = Date.now();
    this.presence.expireGrace(now);
    pruneExpired(this.env, this.store, now);
    if (this.store.meta()) await expireDueImages(this.parts(), now); // pictures past their check deadline
    try {
      await this.flush();
    } catch {
      // Logged and counted by flush; the next attempt waits out the backoff below.
    } finally {
      // Grace and retention deadlines are exact; the copy accepts an alarm already due within its window.
      const exact = [this.presence.nextDeadline(), retentionDeadline(this.env, this.store), nextImageDue(this.store)].filter((t): t is number => t !== null);
      const copy = this.history.nextWindow(now);
      const at = Math.min(...exact, copy?.at ?? Infinity);
      const latest = Math.min(...exact, copy?.latest ?? Infinity);
      if (at !== Infinity) this.alarmClock.schedule(Math.max(now, at), Math.max(now, latest));
    }
  }

  /** Copies every message D1 does not have yet (history/copy.ts); returns how many went. */
  async flush(): Promise<number> {
    const meta = this.store.meta();
    if (!meta) return 0;
    // The conversation was erased (a participant deleted their account): nothing to copy into.
    return this.history.flush(meta, () => this.endConversation());
  }

  /** The conversation no longer exists: drop what the room holds and close every socket. */
  private endConversation(): void {
    this.store.eraseAll();
    for (const ws of this.ctx.getWebSockets()) this.endSocket(ws, "conversation_ended", "This conversation has ended", CLOSE.ended);
  }

  // --- RPC from the worker ----------------------------------------------------

  /** A verdict on one of this room's pictures, settled by the push route or the cron (room/client.ts). */
  async imageChecked(outcome: ImageOutcome): Promise<void> {
    if (this.store.meta()) await applyImageOutcome(this.parts(), outcome);
  }

  /** Erases this conversation's history here and in D1; returns how many messages went. */
  async eraseHistory(conversationId: string): Promise<number> {
    return this.history.withD1(async () => {
      const pendingHere = this.store.eraseAll();
      const inD1 = await deleteConversationMessages(this.env.DB, historyDbFor(this.env, conversationId), conversationId);
      return pendingHere + inD1;
    });
  }

  /**
   * `userId` deleted the conversation: their view starts after the newest message now (their REST
   * history and this room's history frames); the partner keeps everything. What both have deleted
   * goes for good. Returns how many messages the caller no longer sees.
   */
  async hideFor(conversationId: string, userId: string, previousMark: number): Promise<number> {
    return this.history.withD1(async () => {
      const last = this.store.nextSeq() - 1;
      const marks = await hideConversationFor(this.env.DB, conversationId, userId, last);
      for (const ws of this.ctx.getWebSockets(userId)) {
        const attachment = this.attachment(ws);
        if (attachment) this.setAttachment(ws, { ...attachment, hiddenUpTo: marks.mine });
      }
      const pendingHere = this.store.countUncopiedBetween(previousMark, marks.mine);
      const hidden = pendingHere + (await countMessagesBetween(historyDbFor(this.env, conversationId), conversationId, previousMark, marks.mine));
      if (marks.both > 0) {
        this.store.eraseThrough(marks.both);
        await deleteMessagesThrough(historyDbFor(this.env, conversationId), conversationId, marks.both);
      }
      // Pictures go once both have deleted everything, like the text (the partner's evidence until then).
      if (last > 0 && marks.both >= last) await deleteConversationImages(this.env, conversationId);
      return hidden;
    });
  }

  /**
   * A participant erased themselves: the room ends for good. Their partner is told and closed,
   * nothing is stored or acked after this, and the room forgets the erased id (pair, member row,
   * limits). The history is the partner's copy: the room hands D1 everything it still holds (D1
   * keeps it for the partner, db/erasure.ts) and then drops its own. Throws when D1 cannot take
   * it, so the erasure stops and can be repeated.
   */
  async endForErasure(userId: string): Promise<void> {
    const meta = this.store.meta();
    if (!meta) return;
    const member = meta.userA === userId || meta.userB === userId;
    if (member) this.endForErasureNow(userId);
    // Also on a repeated erasure (the id is already forgotten): whatever is left goes to D1.
    if (member || this.store.ended()) {
      await this.flush();
      this.store.eraseAll();
    }
  }

  private endForErasureNow(userId: string): void {
    const partnerId = this.sockets.partnerOf(userId);
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
    this.sends.forget(userId);
    this.presence.forget(userId);
    this.care.forget(userId);
  }

  /** 保持联系 over REST, from an end screen whose socket is gone (the same rule as the frame). */
  async keepTap(userId: string): Promise<KeepAnswer> {
    // The worker checked that `userId` is one of the pair (a room never opened has no taps to meet).
    return this.keep.tap(userId, Date.now());
  }

  /** A kept chat was ended (REST, a block, a ban): the room forgets it and closes both sockets. */
  async endKept(): Promise<void> {
    this.keep.ended();
    this.closeEnded();
  }

  private closeEnded(): void {
    for (const ws of this.ctx.getWebSockets()) {
      if (!this.attachment(ws)?.ended) this.endSocket(ws, "chat_ended", "This chat was ended; it cannot be reopened", CLOSE.ended);
    }
  }

  /** A kept chat's read mark moves to the newest message (a connect, a close). */
  private markRead(userId: string): void {
    const done = this.keep.read(userId);
    if (done) this.ctx.waitUntil(done.catch((err) => logEvent("warn", "room.mark_read_failed", { error: String(err) })));
  }

  /** Closes this user's socket (ban, self-erasure); the partner sees them leave. */
  async disconnectUser(userId: string, code: "banned" | "conversation_ended"): Promise<void> {
    const message = code === "banned" ? "This account has been banned" : "This conversation has ended";
    for (const ws of this.ctx.getWebSockets(userId)) this.endSocket(ws, code, message, CLOSE.ended);
    if (this.store.member(userId)) this.presence.left(userId, Date.now());
  }

  // --- helpers ----------------------------------------------------------------

  /** Ends a socket on purpose: optional error frame, then close, with no grace period. */
  private endSocket(ws: WebSocket, code: Parameters<typeof sendError>[1] | null, message: string, closeCode: number, quiet = true): void {
    const attachment = this.attachment(ws);
    if (attachment) {
      attachment.ended = quiet;
      this.setAttachment(ws, attachment);
    }
    if (code) sendError(ws, code, message);
    closeSocket(ws, closeCode, message);
    if (!quiet) this.onGone(ws);
  }

  /** What the picture and recall handlers (images.ts, recall.ts) may use of the room. */
  private parts(): RoomParts {
    const meta = this.store.meta();
    if (!meta) throw new AppError("internal", "room has no participants", 500);
    return {
      env: this.env,
      store: this.store,
      conversationId: meta.conversationId,
      partnerOf: (userId) => this.sockets.partnerOf(userId),
      sendTo: (userId, frame) => {
        const ws = this.sockets.socketOf(userId);
        if (ws) sendFrame(ws, frame);
        return ws !== undefined;
      },
      withD1: (work) => this.history.withD1(work),
      scheduleAlarm: (at) => this.alarmClock.schedule(at),
      scheduleCopy: (now) => this.history.scheduleAfterAppend(now),
      partnerWrote: (userId) => this.ctx.waitUntil(noticeAway(this.env, this.store, userId)),
    };
  }

  /** Messages as `viewer` sees them: own ones with their clientId, pictures with fresh signed links. */
  private views(messages: StoredMessage[], viewer: string): Promise<HistoryMessage[]> {
    return viewsOf(this.parts(), messages, viewer);
  }

  /** Where messages are kept; the benchmark's no-persistence variant swaps in memory. */
  protected openStore(ctx: DurableObjectState): RoomStore {
    return new RoomStore(ctx.storage.sql);
  }
}

/** The clientId of a send frame that failed validation, when it has a usable one. */
function sendClientId(frame: RawFrame): { clientId?: string } {
  const { clientId } = frame;
  return frame.type === "send" && typeof clientId === "string" && clientId.length > 0 && clientId.length <= LIMITS.clientIdMax
    ? { clientId }
    : {};
}
