// The room's side of a message's views (message-view.ts shapes them): pictures get fresh signed
// links, from the worker's origin the room remembers from the last connect (RPCs carry none).
import { viewTtlMs } from "../media/outcome";
import { signMediaUrl } from "../media/signed-url";
import { historyView, pictureOf, type Picture } from "../message-view";
import type { HistoryMessage, MessageImage } from "../protocol";
import type { RoomParts } from "./parts";
import type { RoomStore, StoredMessage } from "./store";

const ORIGIN = "origin";

/** The worker's public origin, for signed links; kept from the last connect. */
export function rememberOrigin(store: RoomStore, origin: string | undefined): void {
  if (origin && store.metaValue(ORIGIN) !== origin) store.setMetaValue(ORIGIN, origin);
}

export async function signedImage(room: Pick<RoomParts, "env" | "store">, image: Picture, now: number): Promise<MessageImage> {
  const origin = room.store.metaValue(ORIGIN);
  const url = origin ? await signMediaUrl(room.env, origin, image.id, "view", now + viewTtlMs(room.env)) : null;
  return { ...image, url };
}

/** A stored message as `viewer` sees it; null when they must not see it (the partner's pending picture). */
export async function viewOf(room: Pick<RoomParts, "env" | "store">, m: StoredMessage, viewer: string, now = Date.now()): Promise<HistoryMessage | null> {
  const picture = m.kind === "image" ? pictureOf(m) : null;
  const url = picture ? (await signedImage(room, picture, now)).url : null;
  return historyView(m, m.sender === viewer, url);
}

/** Messages as `viewer` sees them: own ones with their clientId, pictures with fresh signed links. */
export async function viewsOf(room: Pick<RoomParts, "env" | "store">, messages: StoredMessage[], viewer: string): Promise<HistoryMessage[]> {
  const now = Date.now();
  const views = await Promise.all(messages.map((m) => viewOf(room, m, viewer, now)));
  return views.filter((v): v is HistoryMessage => v !== null);
}
