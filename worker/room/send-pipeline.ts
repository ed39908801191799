// A send, from frame to ack: cheap checks and the rate limit in arrival order, the content check
// started at once, then store → ack → deliver in arrival order behind every earlier send of the
// room, however long each one's check takes. One stored row per message.
import type { Env } from "../env";
import { socketError } from "../errors";
import { messageRule } from "../limits/rules";
import { take, type BucketState } from "../limits/token-bucket";
import { CONTENT_REJECTED_MESSAGE, failOpen, moderateMessage, type ModerationResult } from "../moderation/moderate";
import { timeOrderedId } from "../lib/random-id";
import { partnerFrame } from "../message-view";
import { CLOSE, type ErrorCode, type RoomServerFrame } from "../protocol";
import { sendFrame } from "../socket";
import type { RoomAttachment } from "./attachment";
import type { SendFrame } from "./frames";
import type { RoomParts } from "./parts";
import { MessageBudget, type Admission } from "./message-budget";
import { bucketFromSendTimes, refillWindowMs } from "./send-limit";
import type { RoomStore, StoredMessage } from "./store";

export const TICKET_REQUIRED_MESSAGE = "Your content-check ticket is missing or expired: log in again and reconnect";

/** A WeChat/QQ socket without a valid ticket for its user: the platform check cannot name the sender. */
export function needsTicket(who: Pick<RoomAttachment, "platform" | "openid">): boolean {
  return who.platform !== "dev" && !who.openid;
}

export class SendPipeline {
  /**
   * Message rate per person, across all their rooms and sockets: leases from their limiter object
   * (message-budget.ts), durable there, so reconnecting and eviction refill nothing.
   */
  private readonly budget: MessageBudget;
  /** This room's fallback buckets (takeToken), a cache rebuilt from the stored message times. */
  private readonly buckets = new Map<string, BucketState>();
  /** Sends are stored and acked in arrival order, however long each one's content check takes. */
  private chain: Promise<void> = Promise.resolve();
  /** The operator's message rule: vars do not change while the object lives. */
  private readonly rule;

  private readonly env: Env;
  private readonly store: RoomStore;

  constructor(private readonly host: RoomParts) {
    this.env = host.env;
    this.store = host.store;
    this.rule = messageRule(this.env);
    this.budget = new MessageBudget(this.env, this.rule, (userId, now) => this.takeToken(userId, now));
  }

  /**
   * A send: cheap checks and the rate limit now, in arrival order; the content check starts at
   * once; storing and acking wait their turn behind every earlier send of this room.
   */
  async send(ws: WebSocket, sender: RoomAttachment, frame: SendFrame): Promise<void> {
    if (this.store.ended()) return void refuse(ws, frame, "conversation_ended", "This conversation has ended");
    const repeat = this.store.findByClientId(sender.userId, frame.clientId);
    if (repeat) {
      // A retry: the same ack again, nothing stored or delivered twice (it was checked when stored).
      sendFrame(ws, ackFrame(repeat));
      return;
    }
    const unchecked = needsTicket(sender);
    if (unchecked && !failOpen(this.env)) return void refuse(ws, frame, "ticket_required", TICKET_REQUIRED_MESSAGE);
    const admission = this.budget.take(sender.userId);
    if (!(admission instanceof Promise) && !admission.ok) return void this.limited(ws, frame, admission);

    // Checked before anything is stored or delivered; a rejected message leaves no trace. A send
    // waiting for its person's budget (a lease from the limiter) is checked once admitted, and
    // takes its turn now, so the room's order stays the order of arrival.
    const moderate = () =>
      moderateMessage(this.env, { text: frame.text, platform: sender.platform, openid: sender.openid }).then(
        (verdict): ModerationResult =>
          // Without a ticket (fail-open) the platform could not name the sender: flag it for admins.
          unchecked && verdict.verdict === "pass" ? { verdict: "review", flagged: true, flagReason: "unchecked" } : verdict,
      );
    const check = admission instanceof Promise ? admission.then((a) => (a.ok ? moderate() : null)) : moderate();
    check.catch(() => undefined); // awaited below, in turn; never an unhandled rejection meanwhile
    const turn = this.chain.then(async () => {
      const verdict = await check;
      if (verdict === null) return void this.limited(ws, frame, (await admission) as Exclude<Admission, { ok: true }>);
      await this.commit(ws, sender, frame, verdict);
    });
    this.chain = turn.catch(() => undefined);
    try {
      await turn;
    } catch (error) {
      this.host.fail(ws, error, frame.clientId);
    }
  }

  /** The person connected: their first message's token is fetched now. */
  arrived(userId: string): void {
    this.budget.prepare(userId);
  }

  /** The person's last socket here is gone: what this room holds of their budget goes back. */
  left(userId: string): void {
    const given = this.budget.release(userId);
    if (given) this.host.later(given);
  }

  /** Forgets an erased user's budget. */
  forget(userId: string): void {
    this.buckets.delete(userId);
    this.budget.forget(userId);
  }

  /** A send or picture over its person's budget: refused, and a flooder's socket closed. */
  private limited(ws: WebSocket, frame: { clientId: string }, refusal: Exclude<Admission, { ok: true }>): void {
    refuse(ws, frame, "rate_limited", `Slow down: try again in ${Math.max(1, Math.ceil(refusal.retryAfterMs / 1000))} s`);
    if (refusal.flooding) this.host.endSocket(ws, null, "flooding", CLOSE.policy, false); // the grace period follows
  }

  /** Stores, acks and delivers one send once its check is done and every earlier send is through. */
  private async commit(ws: WebSocket, sender: RoomAttachment, frame: SendFrame, verdict: ModerationResult): Promise<void> {
    if (verdict.verdict === "reject") return void refuse(ws, frame, "content_rejected", CONTENT_REJECTED_MESSAGE);
    // Erased while the check ran: nothing is stored after that.
    if (this.store.ended()) return void refuse(ws, frame, "conversation_ended", "This conversation has ended");
    // The same message may have been retried while the check ran.
    const raced = this.store.findByClientId(sender.userId, frame.clientId);
    if (raced) return void sendFrame(ws, ackFrame(raced));

    const now = Date.now();
    const draft = { id: timeOrderedId(now), sender: sender.userId, clientId: frame.clientId, body: frame.text, at: now, flag: verdict.flagReason };
    const stored = this.store.append(draft);
    this.host.scheduleCopy(now);
    // The output gate holds these frames until the write above is durable: an ack is a promise.
    sendFrame(ws, ackFrame(stored));
    const partnerId = this.host.partnerOf(sender.userId);
    if (!this.host.sendTo(partnerId, partnerFrame(stored))) this.host.partnerWrote(partnerId);
    this.host.wrote(sender.userId, stored);
  }

  /**
   * A picture frame: the same order, limit and dedupe as a send; `accept` (room/images.ts) stores
   * and acks it in its turn.
   */
  async image(ws: WebSocket, sender: RoomAttachment, frame: { clientId: string }, accept: () => Promise<void>): Promise<void> {
    if (this.store.ended()) return void refuse(ws, frame, "conversation_ended", "This conversation has ended");
    const admission = this.store.findByClientId(sender.userId, frame.clientId) ? null : this.budget.take(sender.userId);
    if (admission && !(admission instanceof Promise) && !admission.ok) return void this.limited(ws, frame, admission);
    const turn = this.chain.then(async () => {
      const admitted = await admission;
      if (admitted && !admitted.ok) return void this.limited(ws, frame, admitted);
      await accept();
    });
    this.chain = turn.catch(() => undefined);
    try {
      await turn;
    } catch (error) {
      this.host.fail(ws, error, frame.clientId);
    }
  }

  /**
   * This room's own bucket for a user, rebuilt from its stored sends after a wake-up: the fallback
   * when the person's limiter object cannot be reached.
   */
  private takeToken(userId: string, now: number) {
    const { rule } = this;
    let state = this.buckets.get(userId);
    if (!state) {
      const since = Math.max(0, now - refillWindowMs(rule));
      state = bucketFromSendTimes(rule, this.store.sendTimes(userId, since, Math.ceil(rule.burst)));
    }
    const result = take(rule, state, now);
    this.buckets.set(userId, result.state);
    return result;
  }
}

function refuse(ws: WebSocket, frame: { clientId: string }, code: ErrorCode, message: string): void {
  sendFrame(ws, { ...socketError(code, message), clientId: frame.clientId });
}

export function ackFrame(m: StoredMessage): RoomServerFrame {
  return { type: "ack", clientId: m.clientId, id: m.id, seq: m.seq, at: m.at };
}
