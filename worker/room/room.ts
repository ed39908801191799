import type { Env } from "../env";
import { AppError, socketError } from "../errors";
import { HistoryCopy } from "../history/copy";
import { logEvent } from "../log";
import type { ImageOutcome } from "../media/outcome";
import { CLOSE, LIMITS, type ErrorCode, type RoomServerFrame, type SocketError } from "../protocol";
import { closeSocket, sendError, sendFrame } from "../socket";
import { SocketShell, type RawFrame } from "../socket-shell";
import { admit } from "./admission";
import { AlarmClock } from "./alarm-clock";
import { parseAttachment, type RoomAttachment } from "./attachment";
import { backInRoom, noticeAway } from "./away-notice";
import { RoomCare } from "./care";
import { runDuties, type Duty } from "./duty";
import { endForErasure, eraseHistory, hideFor } from "./erasure";
import { parseRoomFrame } from "./frames";
import { answerHistory, greet } from "./history-pages";
import { acceptImage, applyImageOutcome, pictureDeadlines } from "./images";
import { RoomKeep, type KeepAnswer } from "./keep";
import type { RoomParts } from "./parts";
import { Presence } from "./presence";
import { recall } from "./recall";
import { reportPartner } from "./reporting";
import { imageStates } from "./resume";
import { retentionDuty } from "./retention";
import { needsTicket, SendPipeline, TICKET_REQUIRED_MESSAGE } from "./send-pipeline";
import { RoomSockets } from "./sockets";
import { RoomStore } from "./store";
import { rememberOrigin } from "./views";

/**
 * One room per pair of users, for as long as the pair exists. A socket shell that only routes:
 * connects (admission.ts, history-pages.ts), frames (send-pipeline.ts, images.ts, recall.ts,
 * resume.ts, reporting.ts, keep.ts), presence and grace (presence.ts), the copy to D1
 * (history/copy.ts), erasure and hiding (erasure.ts), retention (retention.ts). Its parts reach it
 * through one host interface (parts.ts). The rest of the worker reaches it through client.ts.
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
  /** What the parts may use of the room (parts.ts). */
  private readonly parts: RoomParts;
  /** Everything the alarm serves, in the order it runs them (duty.ts). */
  private readonly duties: readonly Duty[];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = this.openStore(ctx);
    this.alarmClock = new AlarmClock(ctx.storage);
    this.sockets = new RoomSockets(ctx, this.store, (ws) => this.attachment(ws));
    this.presence = new Presence(env, this.store, this.sockets, this.alarmClock);
    this.history = new HistoryCopy(env, this.store, this.alarmClock);
    this.care = new RoomCare(env, this.store, this.sockets);
    this.keep = new RoomKeep(env, this.store, this.sockets);
    this.parts = this.host();
    this.sends = new SendPipeline(this.parts);
    this.duties = [this.presence, retentionDuty(env, this.store), pictureDeadlines(this.parts), this.copyDuty()];
  }

  protected parseAttachment(value: unknown): RoomAttachment | null {
    return parseAttachment(value);
  }

  // --- connect ----------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    const now = Date.now();
    const admitted = admit(this.env, this.store, request, now);
    if (!admitted.ok) return admitted.response;
    const info = admitted.info;

    // A second socket of the same user replaces the first (a reconnect that raced the old close).
    const wasOnline = this.sockets.socketOf(info.userId) !== undefined;
    for (const old of this.ctx.getWebSockets(info.userId)) {
      this.endSocket(old, "replaced", "You connected to this room from somewhere else", CLOSE.replaced);
    }

    const hiddenUpTo = info.hiddenUpTo ?? 0;
    const { server, response } = this.accept([info.userId], { userId: info.userId, platform: info.platform, openid: info.openid, hiddenUpTo });
    const me = this.store.arrive(info.userId, now, info.after !== null);
    backInRoom(this.store, info.userId); // the next absence may bring one reply notice
    rememberOrigin(this.store, info.origin); // for signed picture links
    await greet(this.parts, server, info.userId, info.after, hiddenUpTo);
    this.presence.arrived(server, info.userId, me, wasOnline);
    this.sends.arrived(info.userId);
    await this.care.arrived(info.userId, server, now);
    // Told early, so the client logs in again before the user's first send is refused.
    if (needsTicket(info)) sendError(server, "ticket_required", TICKET_REQUIRED_MESSAGE);
    // A kept chat says so (the client shows it as 我的聊天), and its unread count restarts here.
    if (this.keep.isKept()) sendFrame(server, { type: "kept" } satisfies RoomServerFrame);
    this.markRead(info.userId);
    return response;
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
        return await answerHistory(this.parts, ws, attachment, frame.after);
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
      case "report": {
        const { endedKept } = await reportPartner(this.parts, attachment.userId, frame);
        sendFrame(ws, { type: "reported" } satisfies RoomServerFrame);
        // The report blocked the pair: a kept chat ends with it, for both.
        if (endedKept) await this.endKept();
        return;
      }
      case "image":
        return await this.sends.image(ws, attachment, frame, () => acceptImage(this.parts, ws, attachment.userId, frame));
      case "image_query":
        for (const out of await imageStates(this.parts, attachment.userId, frame.ids)) sendFrame(ws, out);
        return;
      case "recall": {
        const refused = await recall(this.parts, attachment.userId, frame.id);
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

  /** A socket is gone. Unless it ended on purpose, the user gets a grace period to come back. */
  private onGone(ws: WebSocket): void {
    const attachment = this.attachment(ws);
    if (attachment) {
      this.markRead(attachment.userId);
      if (!this.sockets.socketOf(attachment.userId, ws)) this.sends.left(attachment.userId);
    }
    if (!attachment || attachment.ended) return;
    attachment.ended = true;
    this.setAttachment(ws, attachment);
    this.presence.dropped(attachment.userId, ws);
  }

  // --- alarm: grace periods, retention, picture deadlines, the D1 copy ------------

  override async alarm(): Promise<void> {
    this.alarmClock.fired();
    const now = Date.now();
    const next = await runDuties(this.duties, now);
    if (next) this.alarmClock.schedule(next.at, next.latest);
  }

  /** The copy to D1 as an alarm duty: a failed copy waits out its backoff (it accepts an alarm due within its window). */
  private copyDuty(): Duty {
    return {
      run: async () => {
        try {
          await this.flush();
        } catch {
          // Logged and counted by flush; the next attempt waits out the backoff (nextWindow).
        }
      },
      nextDue: (now) => this.history.nextWindow(now),
    };
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
    if (this.store.meta()) await applyImageOutcome(this.parts, outcome);
  }

  /** Erases this conversation's history here and in D1; returns how many messages went (erasure.ts). */
  async eraseHistory(conversationId: string): Promise<number> {
    return eraseHistory(this.parts, conversationId);
  }

  /** `userId` deleted the conversation for themselves (erasure.ts); returns how many messages they no longer see. */
  async hideFor(conversationId: string, userId: string, previousMark: number): Promise<number> {
    return hideFor(this.parts, conversationId, userId, previousMark);
  }

  /** A participant erased themselves: the room ends for good (erasure.ts). */
  async endForErasure(userId: string): Promise<void> {
    await endForErasure(this.parts, userId, {
      flush: () => this.flush(),
      forget: (erased) => {
        this.sends.forget(erased);
        this.presence.forget(erased);
        this.care.forget(erased);
      },
    });
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
  private endSocket(ws: WebSocket, code: ErrorCode | null, message: string, closeCode: number, quiet = true): void {
    const attachment = this.attachment(ws);
    if (attachment) {
      attachment.ended = quiet;
      this.setAttachment(ws, attachment);
    }
    if (code) sendError(ws, code, message);
    closeSocket(ws, closeCode, message);
    if (!quiet) this.onGone(ws);
  }

  /** The one host interface its parts get (parts.ts); built once. */
  private host(): RoomParts {
    const store = this.store;
    return {
      env: this.env,
      store,
      get conversationId(): string {
        const meta = store.meta();
        if (!meta) throw new AppError("internal", "room has no participants", 500);
        return meta.conversationId;
      },
      partnerOf: (userId) => this.sockets.partnerOf(userId),
      sendTo: (userId, frame) => this.sockets.sendTo(userId, frame),
      socketsOf: (userId) => this.ctx.getWebSockets(userId),
      attachmentOf: (ws) => this.attachment(ws),
      setAttachment: (ws, attachment) => this.setAttachment(ws, attachment),
      endSocket: (ws, code, message, closeCode, quiet) => this.endSocket(ws, code, message, closeCode, quiet),
      fail: (ws, error, clientId) => this.fail(ws, error, clientId),
      withD1: (work) => this.history.withD1(work),
      scheduleAlarm: (at) => this.alarmClock.schedule(at),
      scheduleCopy: (now) => this.history.scheduleAfterAppend(now),
      partnerWrote: (userId) => this.ctx.waitUntil(noticeAway(this.env, this.store, userId)),
      wrote: (userId, message) => this.ctx.waitUntil(this.care.afterText(userId, message)),
      later: (work) => this.ctx.waitUntil(work),
    };
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
