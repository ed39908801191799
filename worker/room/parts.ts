import type { Env } from "../env";
import type { RoomServerFrame } from "../protocol";
import type { RoomStore } from "./store";

/** What the room's picture and recall handlers may use of the room (kept narrow so they live outside room.ts). */
export interface RoomParts {
  env: Env;
  store: RoomStore;
  conversationId: string;
  partnerOf(userId: string): string;
  /** Sends to the user's live socket, if any; false when they have none (away). */
  sendTo(userId: string, frame: RoomServerFrame): boolean;
  /** D1 work in the room's one queue, so a copy in flight cannot undo it. */
  withD1<T>(work: () => Promise<T>): Promise<T>;
  scheduleAlarm(at: number): void;
  scheduleCopy(now: number): void;
  /** The partner wrote while `userId` was away: maybe one subscribe message (see away-notice.ts). */
  partnerWrote(userId: string): void;
}
