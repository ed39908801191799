// Who is connected to a room, read from the runtime's socket list and each socket's attachment
// (both survive hibernation): the partner's id, a user's live socket, a frame for the partner.
import { AppError } from "../errors";
import type { RoomServerFrame } from "../protocol";
import { sendFrame } from "../socket";
import type { RoomAttachment } from "./attachment";
import type { RoomStore } from "./store";

export class RoomSockets {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly store: RoomStore,
    private readonly read: (ws: WebSocket) => RoomAttachment | null,
  ) {}

  partnerOf(userId: string): string {
    const meta = this.store.meta();
    if (!meta) throw new AppError("internal", "room has no participants", 500);
    return meta.userA === userId ? meta.userB : meta.userA;
  }

  /** The user's live socket, ignoring `except`, sockets already ended and sockets with a bad attachment. */
  socketOf(userId: string, except?: WebSocket): WebSocket | undefined {
    return this.ctx.getWebSockets(userId).find((ws) => {
      if (ws === except) return false;
      const attachment = this.read(ws);
      return attachment !== null && !attachment.ended;
    });
  }

  /** Sends to the user's live socket; false when they have none. */
  sendTo(userId: string, frame: RoomServerFrame): boolean {
    const ws = this.socketOf(userId);
    if (ws) sendFrame(ws, frame);
    return ws !== undefined;
  }

  notifyPartner(userId: string, frame: RoomServerFrame): void {
    const partner = this.socketOf(this.partnerOf(userId));
    if (partner) sendFrame(partner, frame);
  }
}
