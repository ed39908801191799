// Erasing and hiding a conversation through its room, which holds what D1 has not received yet:
// an admin's erasure, one participant's "delete chat" (hide), and a participant erasing themselves.
import { countMessagesBetween, deleteConversationMessages, deleteMessagesThrough, hideConversationFor } from "../db/conversations";
import { historyDbFor } from "../history/shards";
import { deleteConversationImages } from "../media/store";
import { CLOSE, type RoomServerFrame } from "../protocol";
import { sendFrame } from "../socket";
import type { RoomParts } from "./parts";

/** Erases this conversation's history here and in D1; returns how many messages went. */
export function eraseHistory(room: RoomParts, conversationId: string): Promise<number> {
  return room.withD1(async () => {
    const pendingHere = room.store.eraseAll();
    const inD1 = await deleteConversationMessages(room.env.DB, historyDbFor(room.env, conversationId), conversationId);
    return pendingHere + inD1;
  });
}

/**
 * `userId` deleted the conversation: their view starts after the newest message now (their REST
 * history and this room's history frames); the partner keeps everything. What both have deleted
 * goes for good. Returns how many messages the caller no longer sees.
 */
export function hideFor(room: RoomParts, conversationId: string, userId: string, previousMark: number): Promise<number> {
  const { env, store } = room;
  return room.withD1(async () => {
    const last = store.nextSeq() - 1;
    const marks = await hideConversationFor(env.DB, conversationId, userId, last);
    for (const ws of room.socketsOf(userId)) {
      const attachment = room.attachmentOf(ws);
      if (attachment) room.setAttachment(ws, { ...attachment, hiddenUpTo: marks.mine });
    }
    const pendingHere = store.countUncopiedBetween(previousMark, marks.mine);
    const hidden = pendingHere + (await countMessagesBetween(historyDbFor(env, conversationId), conversationId, previousMark, marks.mine));
    if (marks.both > 0) {
      store.eraseThrough(marks.both);
      await deleteMessagesThrough(historyDbFor(env, conversationId), conversationId, marks.both);
    }
    // Pictures go once both have deleted everything, like the text (the partner's evidence until then).
    if (last > 0 && marks.both >= last) await deleteConversationImages(env, conversationId);
    return hidden;
  });
}

/** What the room does around a self-erasure: its copy to D1, and forgetting the user in its parts. */
export interface ErasureSteps {
  flush(): Promise<number>;
  forget(userId: string): void;
}

/**
 * A participant erased themselves: the room ends for good. Their partner is told and closed,
 * nothing is stored or acked after this, and the room forgets the erased id (pair, member row,
 * limits). The history is the partner's copy: the room hands D1 everything it still holds (D1
 * keeps it for the partner, db/erasure.ts) and then drops its own. Throws when D1 cannot take
 * it, so the erasure stops and can be repeated.
 */
export async function endForErasure(room: RoomParts, userId: string, steps: ErasureSteps): Promise<void> {
  const meta = room.store.meta();
  if (!meta) return;
  const member = meta.userA === userId || meta.userB === userId;
  if (member) endNow(room, userId, steps);
  // Also on a repeated erasure (the id is already forgotten): whatever is left goes to D1.
  if (member || room.store.ended()) {
    await steps.flush();
    room.store.eraseAll();
  }
}

function endNow(room: RoomParts, userId: string, steps: ErasureSteps): void {
  const partnerId = room.partnerOf(userId);
  const partnerAlreadyTold = room.store.member(userId)?.leftAt != null;
  room.store.endAndForget(userId, Date.now());
  // Sockets already ended (disconnectUser ran first) are closing: closing them again stalls the close.
  for (const ws of room.socketsOf(userId)) {
    if (!room.attachmentOf(ws)?.ended) room.endSocket(ws, "conversation_ended", "This conversation has ended", CLOSE.ended);
  }
  for (const ws of room.socketsOf(partnerId)) {
    if (!partnerAlreadyTold) sendFrame(ws, { type: "partner_left" } satisfies RoomServerFrame);
    room.endSocket(ws, "conversation_ended", "Your partner deleted their account; this conversation has ended", CLOSE.ended);
  }
  steps.forget(userId);
}
