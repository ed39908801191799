import type { Env } from "../env";
import type { ErrorCode, RoomServerFrame } from "../protocol";
import type { RoomAttachment } from "./attachment";
import type { RoomStore, StoredMessage } from "./store";

/**
 * The room's one host interface: what its parts (sends, pictures, recall, history pages, erasure,
 * reports) may use of the room around them. room.ts builds it once; the parts never see the class.
 */
export interface RoomParts {
  env: Env;
  store: RoomStore;
  /** The pair's conversation; throws before a first connect told the room who the pair is. */
  readonly conversationId: string;
  partnerOf(userId: string): string;
  /** Sends to the user's live socket, if any; false when they have none (away). */
  sendTo(userId: string, frame: RoomServerFrame): boolean;
  /** Every socket of the user (ended ones too), or of the room without a user. */
  socketsOf(userId?: string): WebSocket[];
  attachmentOf(ws: WebSocket): RoomAttachment | null;
  setAttachment(ws: WebSocket, attachment: RoomAttachment): void;
  /** Ends a socket on purpose: optional error frame, then close; not `quiet`: the grace period follows. */
  endSocket(ws: WebSocket, code: ErrorCode | null, message: string, closeCode: number, quiet?: boolean): void;
  /** An error frame for a failure of ours, about this send. */
  fail(ws: WebSocket, error: unknown, clientId: string): void;
  /** D1 work in the room's one queue, so a copy in flight cannot undo it. */
  withD1<T>(work: () => Promise<T>): Promise<T>;
  scheduleAlarm(at: number): void;
  /** A message was stored: its copy to D1 is due. */
  scheduleCopy(now: number): void;
  /** The partner wrote while `userId` was away: maybe one subscribe message (see away-notice.ts). */
  partnerWrote(userId: string): void;
  /** A text was stored, acked and delivered: background checks (triage of a flag, the care check). */
  wrote(userId: string, message: StoredMessage): void;
  /** Background work the room keeps alive after the current event. */
  later(work: Promise<unknown>): void;
}
