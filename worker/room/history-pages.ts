// History on the room socket: what a connecting phone gets (the latest messages, or for a resume
// the page after what it has plus what changed meanwhile, resume.ts), and bounded pages on request.
import { HISTORY_RULE } from "../limits/rules";
import { take } from "../limits/token-bucket";
import { LIMITS, type RoomServerFrame } from "../protocol";
import { sendError, sendFrame } from "../socket";
import type { RoomAttachment } from "./attachment";
import type { RoomParts } from "./parts";
import { missedChanges } from "./resume";
import { viewsOf } from "./views";

/** A new socket's history: from `after` on for a resume (null: a fresh meeting, the latest messages). */
export async function greet(room: RoomParts, ws: WebSocket, userId: string, after: number | null, hiddenUpTo: number): Promise<void> {
  if (after === null) {
    const history = room.store.latest(LIMITS.historyOnConnect, hiddenUpTo);
    return void sendFrame(ws, { type: "history", messages: await viewsOf(room, history, userId) } satisfies RoomServerFrame);
  }
  notePaging(room, ws, await sendPage(room, ws, userId, Math.max(after, hiddenUpTo), hiddenUpTo));
  // Verdicts and recalls of messages the phone already had (resume.ts), however many followed.
  for (const frame of await missedChanges(room, userId, after, hiddenUpTo)) sendFrame(ws, frame);
}

/**
 * A history request on an open socket. Walking on from a page that said `more` is free; any
 * other request (a re-request) takes a token of this socket's HISTORY_RULE budget, and past it
 * is answered `too_many_attempts` with no page.
 */
export async function answerHistory(room: RoomParts, ws: WebSocket, attachment: RoomAttachment, after: number): Promise<void> {
  const continues = attachment.pagedTo !== undefined && after >= attachment.pagedTo;
  if (!continues) {
    const now = Date.now();
    const limit = take(HISTORY_RULE, attachment.historyBucket, now);
    room.setAttachment(ws, { ...attachment, historyBucket: limit.state });
    if (!limit.ok) {
      const wait = Math.max(1, Math.ceil(limit.retryAfterMs / 1000));
      return void sendError(ws, "too_many_attempts", `Too many history requests: try again in ${wait} s`);
    }
  }
  notePaging(room, ws, await sendPage(room, ws, attachment.userId, after, attachment.hiddenUpTo ?? 0));
}

/**
 * One bounded page of history after `after`; `more` tells the client to ask again. Returns the
 * page's last seq when it said `more` (where the walk goes on), else undefined.
 */
async function sendPage(room: RoomParts, ws: WebSocket, viewer: string, after: number, hiddenUpTo: number): Promise<number | undefined> {
  const page = room.store.page(Math.max(after, hiddenUpTo), LIMITS.historyPageMax);
  const messages = await viewsOf(room, page.messages, viewer);
  sendFrame(ws, (page.more ? { type: "history", messages, more: true } : { type: "history", messages }) satisfies RoomServerFrame);
  return page.more ? page.messages.at(-1)?.seq : undefined;
}

/** Remembers where this socket's history walk may go on for free (undefined: it is complete). */
function notePaging(room: RoomParts, ws: WebSocket, pagedTo: number | undefined): void {
  const current = room.attachmentOf(ws);
  if (!current || current.pagedTo === pagedTo) return;
  const { pagedTo: _old, ...rest } = current;
  room.setAttachment(ws, pagedTo === undefined ? rest : { ...rest, pagedTo });
}
