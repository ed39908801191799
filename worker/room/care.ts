// The care card in a room: after a person's text is stored and acked, the care check
// (moderation/care.ts) runs in the background; a "yes" sends that person — only them, never the
// partner — one `care` frame, at most once per conversation a day. Away (no open socket), the card
// waits in the room and goes out on their next connect or resume. A flagged message is triaged here
// too (moderation/triage.ts), and that model's S11 in the writer's words also brings the card.
import { auditStatement } from "../db/admin";
import type { Env } from "../env";
import { logError } from "../log";
import { careHotlines, mentionsSelfHarm, needsCare, saysSelfHarm } from "../moderation/care";
import { triageFlag } from "../moderation/triage";
import type { RoomServerFrame } from "../protocol";
import { sendFrame } from "../socket";
import type { RoomSockets } from "./sockets";
import type { RoomStore, StoredMessage } from "./store";

export const CARE_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** Own messages read from the room for the check (the latest is one of them). */
const OWN_RECENT_SCAN = 20;

interface CareState {
  /** When the card last went out on a socket. */
  shownAt: number | null;
  /** When a card was decided while the person was away; cleared once shown. */
  pendingAt: number | null;
}

const careKey = (userId: string) => `care:${userId}`;

export class RoomCare {
  constructor(
    private readonly env: Env,
    private readonly store: RoomStore,
    private readonly sockets: RoomSockets,
  ) {}

  /** After `message` (text, by `userId`) was stored and acked; never awaited by the send path. */
  async afterText(userId: string, message: StoredMessage): Promise<void> {
    // Most messages: no flag and no phrase, decided in memory (no store read, no model).
    if (!message.flag && !mentionsSelfHarm(message.body)) return;
    try {
      let care = false;
      if (message.flag) {
        care = saysSelfHarm(await triageFlag(this.env, { messageId: message.id, senderId: userId, text: message.body }));
      }
      if (!care && !this.shownToday(userId, Date.now())) {
        const own = this.store
          .latest(OWN_RECENT_SCAN)
          .filter((m) => m.sender === userId && m.kind === "text")
          .map((m) => m.body);
        care = await needsCare(this.env, message.body, own);
      }
      if (care) await this.offer(userId, Date.now());
    } catch (error) {
      logError("room.care_failed", error);
    }
  }

  /** On connect or resume: a card decided while away goes out now (still once a day). */
  async arrived(userId: string, ws: WebSocket, now: number): Promise<void> {
    const state = this.state(userId);
    if (state.pendingAt === null || this.shownToday(userId, now)) return;
    if (now - state.pendingAt >= CARE_INTERVAL_MS) return void this.save(userId, { ...state, pendingAt: null });
    this.show(ws, userId, now);
    await auditStatement(this.env.DB, "care_card_shown", null, 1);
  }

  /** Forgets an erased user. */
  forget(userId: string): void {
    this.store.deleteMetaValue(careKey(userId));
  }

  private async offer(userId: string, now: number): Promise<void> {
    if (this.shownToday(userId, now)) return;
    const ws = this.sockets.socketOf(userId);
    if (ws) this.show(ws, userId, now);
    else this.save(userId, { ...this.state(userId), pendingAt: now });
    // No person, no conversation in the row: admins may count cards, never see whose they were.
    await auditStatement(this.env.DB, ws ? "care_card_shown" : "care_card_pending", null, 1);
  }

  private show(ws: WebSocket, userId: string, now: number): void {
    sendFrame(ws, { type: "care", hotlines: careHotlines(this.env) } satisfies RoomServerFrame);
    this.save(userId, { shownAt: now, pendingAt: null });
  }

  private shownToday(userId: string, now: number): boolean {
    const { shownAt } = this.state(userId);
    return shownAt !== null && now - shownAt < CARE_INTERVAL_MS;
  }

  private state(userId: string): CareState {
    const raw = this.store.metaValue(careKey(userId));
    if (!raw) return { shownAt: null, pendingAt: null };
    try {
      const { shownAt, pendingAt } = JSON.parse(raw) as Partial<CareState>;
      return { shownAt: typeof shownAt === "number" ? shownAt : null, pendingAt: typeof pendingAt === "number" ? pendingAt : null };
    } catch {
      return { shownAt: null, pendingAt: null };
    }
  }

  private save(userId: string, state: CareState): void {
    this.store.setMetaValue(careKey(userId), JSON.stringify(state));
  }
}
