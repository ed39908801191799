// 保持联系 in the room: each person's tap is private, kept in the room's storage; only when both
// tapped does anything reach the other side (`kept` to both, the pair in D1's kept_chats). A tap
// lasts while its person is in this meeting and KEEP_AFTER_LEAVE_MS after they left (the end
// screen); after that, or when a new meeting begins, it is forgotten unseen.
import { keepPair, keptCount, markRead } from "../db/kept-chats";
import type { Env } from "../env";
import { LIMITS, type RoomServerFrame } from "../protocol";
import type { RoomSockets } from "./sockets";
import type { RoomStore } from "./store";

/** How long a tap outlives its person's departure: the end screen's window. */
export const KEEP_AFTER_LEAVE_MS = 10 * 60_000;
const tapKey = (userId: string) => `keep_tap:${userId}`;
const KEPT_KEY = "kept";

export type KeepAnswer = { ok: true; keep: "pending" | "kept" } | { ok: false; code: "too_many_chats"; message: string };

export class RoomKeep {
  constructor(
    private readonly env: Env,
    private readonly store: RoomStore,
    private readonly sockets: RoomSockets,
  ) {}

  isKept(): boolean {
    return this.store.metaValue(KEPT_KEY) === "1";
  }

  /** A tap: `keep_pending` to the tapper, or `kept` to both when the partner tapped too. */
  async tap(userId: string, now: number): Promise<KeepAnswer> {
    const meta = this.store.meta();
    if (!meta) return { ok: true, keep: "pending" };
    if (this.isKept()) {
      this.sockets.sendTo(userId, { type: "kept" } satisfies RoomServerFrame);
      return { ok: true, keep: "kept" };
    }
    const partnerId = meta.userA === userId ? meta.userB : meta.userA;
    if (!this.tapStands(partnerId, now)) {
      // Alone so far: refuse a person whose list is full now, rather than at the partner's tap.
      if ((await keptCount(this.env.DB, userId)) >= LIMITS.keptChatsMax) return full();
      this.store.setMetaValue(tapKey(userId), String(now));
      this.sockets.sendTo(userId, { type: "keep_pending" } satisfies RoomServerFrame);
      return { ok: true, keep: "pending" };
    }
    const outcome = await keepPair(this.env.DB, meta.conversationId, [meta.userA, meta.userB], now);
    if (!outcome.kept) {
      // The partner's list filled since their tap: their tap goes, and this one waits unseen.
      if (outcome.full.includes(userId)) return full();
      this.store.deleteMetaValue(tapKey(partnerId));
      this.store.setMetaValue(tapKey(userId), String(now));
      this.sockets.sendTo(userId, { type: "keep_pending" } satisfies RoomServerFrame);
      return { ok: true, keep: "pending" };
    }
    this.store.setMetaValue(KEPT_KEY, "1");
    this.forgetTaps(meta.userA, meta.userB);
    for (const id of [meta.userA, meta.userB]) this.sockets.sendTo(id, { type: "kept" } satisfies RoomServerFrame);
    return { ok: true, keep: "kept" };
  }

  /**
   * Whether `userId`'s tap still counts: made in their current meeting (not before a later fresh
   * connect), and they are still here or left at most KEEP_AFTER_LEAVE_MS ago. One that no longer
   * counts is forgotten.
   */
  private tapStands(userId: string, now: number): boolean {
    const raw = this.store.metaValue(tapKey(userId));
    if (raw === null) return false;
    const at = Number(raw);
    const member = this.store.member(userId);
    const stands = member !== null && at >= member.joinedAt && (member.leftAt === null || now - member.leftAt <= KEEP_AFTER_LEAVE_MS);
    if (!stands) this.store.deleteMetaValue(tapKey(userId));
    return stands;
  }

  /** The chat was ended (by either, or a block): the room forgets it was kept and every tap. */
  ended(): void {
    const meta = this.store.meta();
    this.store.deleteMetaValue(KEPT_KEY);
    if (meta) this.forgetTaps(meta.userA, meta.userB);
  }

  /** The person has seen everything up to now (a kept chat's unread count starts after it). */
  read(userId: string): Promise<void> | null {
    const meta = this.store.meta();
    if (!meta || !this.isKept()) return null;
    return markRead(this.env.DB, meta.conversationId, userId, this.store.nextSeq() - 1);
  }

  private forgetTaps(...userIds: string[]): void {
    for (const id of userIds) this.store.deleteMetaValue(tapKey(id));
  }
}

function full(): KeepAnswer {
  return {
    ok: false,
    code: "too_many_chats",
    message: `你最多保持 ${LIMITS.keptChatsMax} 个聊天；先在「我的聊天」结束一个 (at most ${LIMITS.keptChatsMax} kept chats)`,
  };
}
