// One lobby shard: holds waiting people's sockets (hibernatable), keeps the queue in SQLite,
// pairs newcomers locally, and (when there are several shards) offers its leftovers to the
// pool's hub, which pairs across shards and completes those matches through claim/settle.
import { aliasFor } from "../alias";
import { wakeBy } from "../alarm";
import type { Env } from "../env";
import { errorResponse } from "../errors";
import { logError } from "../log";
import { LOBBY_JOIN_RULE } from "../limits/rules";
import { take } from "../limits/token-bucket";
import { randomId } from "../lib/random-id";
import { CLOSE, type LobbyServerFrame, type SocketError } from "../protocol";
import { acceptedUpgrade, closeSocket, sendError, sendFrame } from "../socket";
import { SocketShell, type RawFrame } from "../socket-shell";
import type { Offer, Settlement } from "./messages";
import { touchUser } from "../db/users";
import { LOGIN_DISABLED_MESSAGE, loginKindEnabled } from "../login-kinds";
import { Admission } from "./admission";
import { matchingRefusal } from "./matching-gate";
import { ConversationOpener } from "./opener";
import { pairWaiters, partnerFor, type Pair, type PairingOptions } from "./pairing";
import { LobbyQueue, type QueueRow } from "./queue";
import { AWAY_WAIT_MS, handOverAway, hasMatchedConsent } from "./away-wait";
import { hubStub, lobbyTiming, readJoin } from "./shards";
import { allTopics, DEFAULT_TOPICS, promptFor } from "../topics";
import { fnv1a } from "../lib/fnv";
import { waitEstimate } from "./wait-estimate";

/** Why an admin action or an erasure takes someone out of the queue, and what they are told. */
export type LobbyEndCode = "banned" | "conversation_ended" | "matching_suspended";
const LOBBY_END_MESSAGES: Record<LobbyEndCode, string> = {
  banned: "This account has been banned",
  conversation_ended: "This account was erased",
  matching_suspended: "Matching is suspended for this account pending review",
};

/** A join bucket untouched this long has refilled; its row can go. */
const JOIN_BUCKET_FORGET_MS = 10 * 60_000;
/** At most one "waiting" broadcast per shard per this long: O(n) sends a second, not O(n²). */
const BROADCAST_MS = 1000;
/** A hold older than this was abandoned (its completer died); the person waits again. */
const HOLD_MS = 10_000;
/** After D1 failed to open a conversation, try pairing again this much later. */
const RETRY_MS = 1000;
/** People matched this recently are counted as chatting in the online estimate. */
const CHAT_WINDOW_MS = 5 * 60_000;
/** With no change, a shard still re-offers its leftovers and count this often (a heartbeat). */
const REPORT_MS = 1000;
/** The hub hears about at most this many leftovers per report. */
const OFFER_MAX = 500;

interface Attachment {
  userId: string;
  ticket: string;
  /** The visit ended here (matched or replaced): its close needs no lookup. */
  done?: true;
  /** This person was told their topic wait fell back to anyone. */
  fellBack?: true;
}

function parseAttachment(value: unknown): Attachment | null {
  if (typeof value !== "object" || value === null) return null;
  const { userId, ticket, done, fellBack } = value as Record<string, unknown>;
  if (done !== undefined && done !== true) return null;
  if (fellBack !== undefined && fellBack !== true) return null;
  if (typeof userId !== "string" || userId.length === 0 || typeof ticket !== "string" || ticket.length === 0) return null;
  const a: Attachment = { userId, ticket };
  if (done) a.done = true;
  if (fellBack) a.fellBack = true;
  return a;
}

export class Lobby extends SocketShell<Attachment> {
  /** When the alarm last ran a pairing pass over everyone free (0 after a wake-up: the next alarm runs one). */
  private fullPassAt = 0;
  protected readonly kind = "lobby";
  protected readonly internalMessage = "Something went wrong on our side; please try again";
  private readonly queue: LobbyQueue;
  private readonly opener: ConversationOpener;
  private readonly admission: Admission;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.queue = new LobbyQueue(ctx.storage.sql);
    this.opener = new ConversationOpener(env.DB);
    this.admission = new Admission(env.DB, () => {
      const { rematchCooldownMs, watchMs } = lobbyTiming(env);
      return { rematch: Date.now() - rematchCooldownMs, watch: Date.now() - watchMs };
    });
  }

  protected parseAttachment(value: unknown): Attachment | null {
    return parseAttachment(value);
  }

  override async fetch(request: Request): Promise<Response> {
    const join = readJoin(request);
    if (!join) return errorResponse("bad_request", "Lobbies only accept visits handed over by the API", 400);
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse("bad_request", "This endpoint only accepts WebSocket upgrades", 426);
    }
    let blocked = join.blocked;
    let standing: Pick<QueueRow, "watch" | "fresh"> = {};
    if (blocked === null) {
      // The ban check and the veto list, read with everyone else joining right now.
      const profile = await this.admission.profile(join.userId);
      if (!profile.user) return errorResponse("unauthorized", "This account no longer exists; log in again", 401);
      if (!loginKindEnabled(this.env, profile.user.platform)) return errorResponse("login_disabled", LOGIN_DISABLED_MESSAGE, 401);
      if (profile.user.bannedAt !== null) return errorResponse("banned", "This account has been banned", 403);
      const refusal = matchingRefusal(profile.user);
      if (refusal) return errorResponse(refusal.code, refusal.message, 403);
      this.ctx.waitUntil(touchUser(this.env.DB, profile.user, Date.now()).catch(() => undefined));
      blocked = profile.blocked;
      if (profile.watch) standing.watch = true;
      if (profile.fresh) standing.fresh = true;
    }
    this.queue.setPlacement(join.placement);

    const now = Date.now();
    const limit = take(LOBBY_JOIN_RULE, this.queue.joinBucket(join.userId), now);
    this.queue.setJoinBucket(join.userId, limit.state, now - JOIN_BUCKET_FORGET_MS);
    if (!limit.ok) {
      return errorResponse("rate_limited", `Too many lobby visits; try again in ${Math.ceil(limit.retryAfterMs / 1000)} s`, 429);
    }

    // Matched while away (away-wait.ts): the match, at once.
    const missed = this.queue.takeMissed(join.userId, now);
    if (missed) return missedUpgrade(missed);

    // A second lobby socket of the same person replaces the first.
    for (const old of this.ctx.getWebSockets(join.userId)) {
      const prev = this.attachment(old);
      if (prev) {
        this.queue.remove(prev.userId, prev.ticket);
        this.setAttachment(old, { ...prev, done: true });
      }
      sendError(old, "replaced", "You opened the lobby somewhere else; this connection was replaced");
      closeSocket(old, CLOSE.replaced, "replaced");
    }

    const row: QueueRow = {
      userId: join.userId,
      ticket: randomId(),
      topic: join.topic,
      since: now,
      blocked,
      heldAt: null,
      ...standing,
    };
    const { server, response } = this.accept([join.userId], { userId: row.userId, ticket: row.ticket });
    this.queue.add(row);
    this.markDirty();
    sendFrame(server, this.waitingFrame(now));

    const pair = partnerFor(row, this.queue.free().filter((w) => w.userId !== row.userId), this.pairingOptions(now));
    if (pair) this.ctx.waitUntil(this.complete(pair));
    else await this.reschedule();
    return response;
  }

  protected async onFrame(ws: WebSocket, _attachment: Attachment, frame: RawFrame): Promise<void> {
    if (frame.type === "cancel") {
      closeSocket(ws, CLOSE.normal, "cancelled");
      await this.leave(ws);
      return;
    }
    sendError(ws, "unknown_type", 'The lobby understands only {"type":"cancel"} and {"type":"ping"}');
  }

  protected async onRefusedClose(ws: WebSocket, _attachment: Attachment, error: SocketError, closeCode: number): Promise<void> {
    closeSocket(ws, closeCode, error.code);
    await this.leave(ws);
  }

  protected async onClose(ws: WebSocket): Promise<void> {
    closeSocket(ws, CLOSE.normal, "bye");
    await this.leaveOrWaitAway(ws);
  }

  protected async onSocketError(ws: WebSocket): Promise<void> {
    await this.leaveOrWaitAway(ws);
  }

  override async alarm(): Promise<void> {
    try {
      const now = Date.now();
      this.queue.setNumber("retryAt", 0);
      if (this.queue.releaseHeldBefore(now - HOLD_MS) > 0) this.markDirty();
      const free = this.queue.free();
      const pairs = pairWaiters(free, this.pairingOptions(now));
      this.fullPassAt = now;
      // Holds are taken synchronously at the start of each completion, before any await.
      const completions = pairs.map((p) => this.complete(p));
      this.broadcastIfDue(now);
      this.tellFallbacks(free, pairs, now);
      await Promise.all([...completions, this.reportToHub(now)]);
    } catch (err) {
      logError("lobby.alarm_failed", err);
    } finally {
      await this.reschedule();
    }
  }

  // --- Called by the pool's hub (RPC) -------------------------------------------------------

  /** Removes a user from this shard (ban, erasure): their lobby socket gets `code` and closes. */
  /** People waiting in this shard now (the admin console's live figures). */
  async waitingCount(): Promise<number> {
    return this.queue.count();
  }

  async disconnectUser(userId: string, code: LobbyEndCode): Promise<void> {
    for (const row of this.queue.visitsOf(userId)) this.queue.remove(row.userId, row.ticket);
    for (const ws of this.ctx.getWebSockets(userId)) {
      sendError(ws, code, LOBBY_END_MESSAGES[code]);
      closeSocket(ws, CLOSE.ended, code);
    }
    this.markDirty();
  }

  /** Reserves one of this shard's people for a cross-shard match; false if they are no longer free. */
  async claim(userId: string, ticket: string): Promise<boolean> {
    return this.queue.hold(userId, ticket, Date.now());
  }

  /**
   * Finishes a claim: with a frame, delivers the match (false if the person left meanwhile);
   * without, puts the person back in the queue.
   */
  async settle(userId: string, ticket: string, matched: Settlement | null): Promise<boolean> {
    if (matched === null) {
      this.queue.release(userId, ticket);
      this.pairAgainAt(Date.now());
      await this.reschedule();
      return true;
    }
    const row = this.queue.get(userId, ticket);
    const ws = row && this.socketFor(row);
    if (row && !ws && this.queue.isAway(row, Date.now())) {
      this.ctx.waitUntil(handOverAway(this.env, this.queue, row, matched, Date.now())); // media2
      this.markDirty();
      await this.reschedule();
      return true;
    }
    if (!row || !ws) {
      if (row) this.queue.remove(userId, ticket);
      return false;
    }
    this.deliver(row, ws, matched);
    await this.reschedule();
    return true;
  }

  // --- Internals ----------------------------------------------------------------------------

  private pairingOptions(now: number): PairingOptions {
    return { now, fallbackMs: lobbyTiming(this.env).fallbackMs, random: Math.random };
  }

  private socketFor(row: Pick<QueueRow, "userId" | "ticket">): WebSocket | undefined {
    return this.ctx.getWebSockets(row.userId).find((ws) => {
      return this.attachment(ws)?.ticket === row.ticket;
    });
  }

  /** A socket died (not cancel): someone who accepted the 匹配成功 reminder keeps their place. */
  private async leaveOrWaitAway(ws: WebSocket): Promise<void> {
    const a = this.attachment(ws);
    // Matched (or replaced) already: the visit is gone and there is nothing to read or write.
    if (!a || a.done || !this.queue.get(a.userId, a.ticket)) return;
    if (await hasMatchedConsent(this.env, a.userId, Date.now())) {
      if (this.queue.get(a.userId, a.ticket)) return this.queue.markAway(a.userId, a.ticket, Date.now() + AWAY_WAIT_MS);
    }
    await this.leave(ws);
  }

  private async leave(ws: WebSocket): Promise<void> {
    const a = this.attachment(ws);
    if (a && this.queue.remove(a.userId, a.ticket)) {
      this.markDirty();
      await this.reschedule();
    }
  }

  /** Opens (or reopens) the pair's conversation and tells both; on any failure nobody is lost. */
  private async complete(pair: Pair<QueueRow>): Promise<void> {
    const { a, b } = pair;
    const now = Date.now();
    const catalogue = allTopics(this.env.DB).catch(() => DEFAULT_TOPICS);
    if (!this.queue.hold(a.userId, a.ticket, now)) return;
    if (!this.queue.hold(b.userId, b.ticket, now)) {
      this.queue.release(a.userId, a.ticket);
      return;
    }
    // If this object dies while D1 answers, the holds must still expire and the two wait again:
    // make sure an alarm covers them before the first await that could outlive us.
    await this.reschedule(now);
    let conversationId: string;
    try {
      conversationId = await this.opener.open(a.userId, b.userId);
    } catch (err) {
      logError("lobby.open_failed", err);
      this.queue.release(a.userId, a.ticket);
      this.queue.release(b.userId, b.ticket);
      this.pairAgainAt(Date.now() + RETRY_MS);
      await this.reschedule();
      return;
    }
    const prompt = promptFor(await catalogue, pair.topic, Math.random);
    // Either may have closed or been replaced while D1 answered: then the other waits on.
    const wsA = this.queue.get(a.userId, a.ticket) && this.socketFor(a);
    const wsB = this.queue.get(b.userId, b.ticket) && this.socketFor(b);
    // media2: someone waiting in the background (away-wait.ts) is matched too, and reminded.
    const awayA = !wsA && !!this.queue.get(a.userId, a.ticket) && this.queue.isAway(a, Date.now());
    const awayB = !wsB && !!this.queue.get(b.userId, b.ticket) && this.queue.isAway(b, Date.now());
    if ((wsA || awayA) && (wsB || awayB)) {
      for (const [row, ws, frame] of [
        [a, wsA, matchedFrame(conversationId, b.userId, pair.topic, prompt)],
        [b, wsB, matchedFrame(conversationId, a.userId, pair.topic, prompt)],
      ] as const) {
        if (ws) this.deliver(row, ws, frame);
        else this.ctx.waitUntil(handOverAway(this.env, this.queue, row, frame, Date.now()));
      }
      this.markDirty();
    } else {
      for (const [row, ws] of [[a, wsA], [b, wsB]] as const) {
        if (ws || this.queue.isAway(row, Date.now())) this.queue.release(row.userId, row.ticket);
        else this.queue.remove(row.userId, row.ticket);
      }
      this.pairAgainAt(Date.now());
      this.markDirty();
    }
    await this.reschedule();
  }

  private deliver(row: QueueRow, ws: WebSocket, frame: Settlement): void {
    this.queue.remove(row.userId, row.ticket);
    this.setAttachment(ws, { userId: row.userId, ticket: row.ticket, done: true });
    this.queue.recordMatch(Date.now());
    sendFrame(ws, frame);
    closeSocket(ws, CLOSE.normal, "matched");
    this.markDirty();
  }

  /**
   * The lobby frame: `online` is the people waiting now plus the people matched in the last
   * CHAT_WINDOW_MS (standing in for those chatting now), here and as the other shards last
   * reported; `estimateMs` is the wait the recent pairing rate implies for the people waiting.
   */
  private waitingFrame(now: number, fallback = false): string {
    const waiting = this.queue.count() + this.queue.getNumber("remoteWaiting", 0);
    const matched = this.queue.recentMatches(now - CHAT_WINDOW_MS) + this.queue.getNumber("remoteMatched", 0);
    const frame: LobbyServerFrame = {
      type: "waiting",
      online: waiting + matched,
      waiting,
      estimateMs: waitEstimate(waiting, matched, CHAT_WINDOW_MS),
    };
    if (fallback) frame.fallback = true;
    return JSON.stringify(frame);
  }

  /** People matched here in the last CHAT_WINDOW_MS (each person counts once per match). */
  private localMatched(now: number): number {
    return this.queue.recentMatches(now - CHAT_WINDOW_MS);
  }

  /** Tells each person still waiting whose topic wait just ran out that anyone may now be matched. */
  private tellFallbacks(free: readonly QueueRow[], pairs: readonly Pair<QueueRow>[], now: number): void {
    const { fallbackMs } = lobbyTiming(this.env);
    const paired = new Set(pairs.flatMap((p) => [p.a.userId, p.b.userId]));
    let frame: string | null = null;
    for (const row of free) {
      if (row.topic === null || paired.has(row.userId) || now - row.since < fallbackMs) continue;
      const ws = this.socketFor(row);
      const a = ws && this.attachment(ws);
      if (!ws || !a || a.fellBack) continue;
      this.setAttachment(ws, { ...a, fellBack: true });
      sendFrame(ws, (frame ??= this.waitingFrame(now, true)));
    }
  }

  /** Someone went back to waiting outside a join: run the pairing pass (in the alarm) at `at`. */
  private pairAgainAt(at: number): void {
    const current = this.queue.getNumber("retryAt", 0);
    if (current === 0 || at < current) this.queue.setNumber("retryAt", at);
  }

  private markDirty(): void {
    this.queue.setNumber("dirty", 1);
  }

  private broadcastIfDue(now: number): void {
    if (this.queue.getNumber("dirty", 0) === 0) return;
    if (now < this.queue.getNumber("broadcastAt", 0) + BROADCAST_MS) return;
    const frame = this.waitingFrame(now);
    this.queue.setNumber("dirty", 0);
    this.queue.setNumber("broadcastAt", now);
    const key = fnv1a(frame);
    if (key === this.queue.getNumber("broadcastKey", -1)) return;
    this.queue.setNumber("broadcastKey", key);
    for (const ws of this.ctx.getWebSockets()) sendFrame(ws, frame);
  }

  /**
   * When this shard next owes the hub a report, or null if it owes none: soon after its
   * leftovers change, otherwise a heartbeat while it has anything to tell (the hub forgets
   * shards that stay silent, and its count of them).
   */
  private hubDueAt(): number | null {
    const p = this.queue.placement();
    if (!p || p.shards <= 1) return null;
    const last = this.queue.getNumber("reportAt", 0);
    if (this.queue.getNumber("offersChanged", 0) === 1) return last + lobbyTiming(this.env).hubTickMs;
    if (this.queue.getNumber("offered", 0) > 0 || this.ctx.getWebSockets().length > 0) return last + REPORT_MS;
    return null;
  }

  private async reportToHub(now: number): Promise<void> {
    const p = this.queue.placement();
    const due = this.hubDueAt();
    if (!p || due === null || now < due) return;
    const offers: Offer[] = this.queue
      .free(OFFER_MAX)
      .map(({ userId, ticket, topic, since, blocked, watch, fresh }) => ({ userId, ticket, topic, since, blocked, watch, fresh }));
    this.queue.setNumber("reportAt", now);
    this.queue.setNumber("offersChanged", 0);
    try {
      const remote = await hubStub(this.env, p.pool).report(p, offers, { waiting: this.queue.count(), matched: this.localMatched(now) });
      this.queue.setNumber("offered", offers.length);
      for (const [key, value] of [["remoteWaiting", remote.waiting], ["remoteMatched", remote.matched]] as const) {
        if (value === this.queue.getNumber(key, 0)) continue;
        this.queue.setNumber(key, value);
        this.markDirty();
      }
    } catch (err) {
      this.queue.setNumber("offersChanged", 1);
      logError("lobby.hub_report_failed", err, { pool: p.pool, shard: p.index });
    }
  }

  /** Sets the alarm to the earliest thing this shard must do next (fallbacks, holds, broadcast, hub). */
  private async reschedule(now = Date.now()): Promise<void> {
    const due: number[] = [];
    // Every fallback that came due after the last full pass, even if it is already past by now (the
    // pass's completions are awaited before this runs): otherwise nobody pairs that person again.
    const fallback = this.queue.nextFallback(Math.min(now, this.fullPassAt), lobbyTiming(this.env).fallbackMs);
    if (fallback !== null) due.push(fallback);
    const hold = this.queue.oldestHold();
    if (hold !== null) due.push(hold + HOLD_MS);
    if (this.queue.getNumber("dirty", 0) === 1) due.push(this.queue.getNumber("broadcastAt", 0) + BROADCAST_MS);
    const retryAt = this.queue.getNumber("retryAt", 0);
    if (retryAt > 0) due.push(retryAt);
    const hub = this.hubDueAt();
    if (hub !== null) due.push(hub);
    if (due.length === 0) return;
    await wakeBy(this.ctx.storage, Math.max(now, Math.min(...due)), now);
  }
}

/** A lobby visit answered with the match its person missed while away, then closed. */
function missedUpgrade(frame: string): Response {
  const { 0: client, 1: server } = new WebSocketPair();
  server.accept();
  server.send(frame);
  server.close(CLOSE.normal, "matched");
  return acceptedUpgrade(client);
}

function matchedFrame(conversationId: string, partnerId: string, topic: string | null, prompt: string): Settlement {
  return { type: "matched", roomId: conversationId, partner: { alias: aliasFor(conversationId, partnerId) }, topic, prompt };
}
