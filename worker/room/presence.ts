// Who is here, as the partner sees it: online/offline, the grace period after a dropped socket
// (the user may come back before the partner is told they left), and typing.
import { numberVar, type Env } from "../env";
import { TYPING_INTERVAL_MS } from "../limits/rules";
import type { RoomServerFrame } from "../protocol";
import { sendFrame } from "../socket";
import type { AlarmClock } from "./alarm-clock";
import { dueAt, type Due, type Duty } from "./duty";
import type { RoomSockets } from "./sockets";
import type { Member, RoomStore } from "./store";

export class Presence implements Duty {
  /**
   * When each user's last typing frame was relayed. Memory is enough: the interval (2 s) is
   * shorter than the quiet spell before a room hibernates.
   */
  private readonly typingAt = new Map<string, number>();

  constructor(
    private readonly env: Env,
    private readonly store: RoomStore,
    private readonly sockets: RoomSockets,
    private readonly alarm: AlarmClock,
  ) {}

  /**
   * A user's new socket is in: it learns whether the partner is here (and whether they left while
   * this user was away); the partner learns this user is online, if that is news.
   */
  arrived(server: WebSocket, userId: string, me: Member, wasOnline: boolean): void {
    const partnerId = this.sockets.partnerOf(userId);
    const partnerSocket = this.sockets.socketOf(partnerId);
    const partner = this.store.member(partnerId);
    sendFrame(server, { type: "presence", partner: partnerSocket ? "online" : "offline" } satisfies RoomServerFrame);
    // The partner left during this user's meeting (while this user was away): say so now.
    if (!partnerSocket && partner?.leftAt != null && partner.leftAt >= me.joinedAt) {
      sendFrame(server, { type: "partner_left" } satisfies RoomServerFrame);
    }
    // Only a real change: a socket replacing a live one changes nothing the partner can see.
    if (partnerSocket && !wasOnline) sendFrame(partnerSocket, { type: "presence", partner: "online" } satisfies RoomServerFrame);
  }

  /** The user's last socket dropped (not on purpose): the partner sees them offline, and the grace period starts. */
  dropped(userId: string, socket: WebSocket): void {
    if (this.sockets.socketOf(userId, socket)) return; // a newer socket of this user is live
    const until = Date.now() + numberVar(this.env.RECONNECT_GRACE_MS, 30_000);
    this.store.markAway(userId, until);
    this.alarm.schedule(until);
    this.sockets.notifyPartner(userId, { type: "presence", partner: "offline" });
  }

  /** The user left: stored, and the partner told. */
  left(userId: string, at: number): void {
    this.store.markLeft(userId, at);
    this.sockets.notifyPartner(userId, { type: "partner_left" });
  }

  /** Grace periods that ran out without a reconnect become departures. */
  expireGrace(now: number): void {
    for (const member of this.store.expiredAway(now)) {
      if (this.sockets.socketOf(member.userId)) continue;
      this.left(member.userId, member.awayUntil ?? now);
    }
  }

  /** The alarm's duty: grace periods that ran out (exact deadlines). */
  run(now: number): void {
    this.expireGrace(now);
  }

  nextDue(): Due | null {
    return dueAt(this.store.nextAwayDeadline());
  }

  /** Typing is relayed at most once per TYPING_INTERVAL_MS per sender; the rest are dropped. */
  typing(userId: string): void {
    const now = Date.now();
    if (now - (this.typingAt.get(userId) ?? 0) < TYPING_INTERVAL_MS) return;
    this.typingAt.set(userId, now);
    this.sockets.notifyPartner(userId, { type: "typing" });
  }

  forget(userId: string): void {
    this.typingAt.delete(userId);
  }
}
