import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

// Placeholder while the room is written (issue 3).
export class Room extends DurableObject<Env> {
  override async fetch(): Promise<Response> {
    return new Response("room not implemented", { status: 501 });
  }
  /** Erases this conversation's history in the room and in D1; returns how many messages went. */
  async eraseHistory(_conversationId: string): Promise<number> {
    return 0;
  }
  /** Closes this user's socket in the room (ban, self-erasure), telling the partner they left. */
  async disconnectUser(_userId: string, _code: "banned" | "conversation_ended"): Promise<void> {}
}
