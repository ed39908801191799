import { LIMITS, type RoomServerFrame } from "../protocol";
import { pictureOf } from "../message-view";
import { signedImage } from "./views";
import type { RoomParts } from "./parts";

// What changed while a phone was away, for messages it already has (seq ≤ after): a resume sends
// only newer messages, so recalls and picture verdicts of older ones come as their own frames.
// Nothing waits for a live socket: a verdict or recall that met no socket (or a dying one) is
// told again on every resume that could have missed it.

/** How long a picture's verdict is kept for its sender's resume (a phone away longer reloads the chat). */
export const VERDICT_KEEP_MS = 7 * 24 * 60 * 60 * 1000;
const VERDICT = "verdict:";

interface Verdict {
  sender: string;
  clientId: string;
  seq: number;
  status: "passed" | "rejected" | "expired";
  at: number;
}

/** Keeps a picture's verdict for its sender's next resume; drops those past VERDICT_KEEP_MS. */
export function keepVerdict(room: RoomParts, messageId: string, verdict: Omit<Verdict, "at">, now = Date.now()): void {
  for (const { key, value } of room.store.metaWithPrefix(VERDICT)) {
    const at = (JSON.parse(value) as Partial<Verdict>).at;
    if (typeof at !== "number" || at < now - VERDICT_KEEP_MS) room.store.deleteMetaValue(VERDICT + key);
  }
  room.store.setMetaValue(VERDICT + messageId, JSON.stringify({ ...verdict, at: now }));
}

/** The frames a resume at `after` needs besides its history page: verdicts first, then recalls. */
export async function missedChanges(room: RoomParts, viewer: string, after: number, hiddenUpTo: number, now = Date.now()): Promise<RoomServerFrame[]> {
  const frames: RoomServerFrame[] = [];
  for (const { key: id, value } of room.store.metaWithPrefix(VERDICT)) {
    const v = JSON.parse(value) as Verdict;
    if (v.sender !== viewer || v.seq > after || v.seq <= hiddenUpTo || v.at < now - VERDICT_KEEP_MS) continue;
    if (v.status !== "passed") {
      frames.push({ type: "image_status", id, clientId: v.clientId, status: v.status });
      continue;
    }
    const m = room.store.findById(id);
    const image = m && m.kind === "image" ? pictureOf(m) : null;
    if (image) frames.push({ type: "image_status", id, clientId: v.clientId, status: "passed", image: await signedImage(room, image, now) });
  }
  // The phone had message `after`, so it left no earlier than that message's time: a recall it
  // missed came later, of a message sent within the recall window before.
  const lastAt = room.store.sentAtOrBefore(after);
  const since = lastAt !== null ? lastAt - LIMITS.recallWindowMs : 0;
  for (const m of room.store.recalledSince(hiddenUpTo, after, since)) {
    frames.push({ type: "recalled", id: m.id, seq: m.seq, from: m.sender === viewer ? "me" : "partner" });
  }
  return frames;
}

/**
 * The phone asks about pictures it still shows as 审核中 (after a fresh connect, whose history does
 * not replace what the phone already shows). Only the viewer's own messages are told; an id the
 * room does not have is gone (refused, expired or erased) and is told as "expired".
 */
export async function imageStates(room: RoomParts, viewer: string, ids: readonly string[], now = Date.now()): Promise<RoomServerFrame[]> {
  const frames: RoomServerFrame[] = [];
  for (const id of ids) {
    const m = room.store.findById(id);
    if (m) {
      if (m.sender !== viewer || m.kind === "image_pending") continue;
      if (m.kind === "recalled") frames.push({ type: "recalled", id, seq: m.seq, from: "me" });
      const image = m.kind === "image" ? pictureOf(m) : null;
      if (image) frames.push({ type: "image_status", id, clientId: m.clientId, status: "passed", image: await signedImage(room, image, now) });
      continue;
    }
    const kept = room.store.metaValue(VERDICT + id);
    const v = kept ? (JSON.parse(kept) as Verdict) : null;
    if (v && v.sender !== viewer) continue;
    frames.push({ type: "image_status", id, clientId: v?.clientId ?? "", status: v && v.status !== "passed" ? v.status : "expired" });
  }
  return frames;
}
