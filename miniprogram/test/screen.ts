// What the screen tests share on top of usePages: a component's text and custom events, and the
// chat page opened on a phone that passed every gate, then matched into room r1.
import type { usePages } from "./simulate";

type Pages = ReturnType<typeof usePages>;

/** Everything a mounted component shows, as one string. */
export const text = (comp: { dom?: Element | null }) => comp.dom?.textContent ?? "";

/** j-component's wrapper listens to custom events; its typings omit it. */
export function on(comp: unknown, name: string, fn: (e: { detail: any }) => void) {
  (comp as { addEventListener(n: string, f: (e: { detail: any }) => void): void }).addEventListener(name, fn);
}

/** The chat page on a phone that passed every gate (`nickname` on its profile), loaded with `query`. */
export async function openChatPage(pages: Pages, query: Record<string, string> = { topic: "music" }, nickname?: string) {
  pages.passGates(nickname);
  const page = pages.mount("pages/chat/index");
  await page.instance.onLoad(query);
  await pages.settle();
  return page;
}

/** How `matchIntoRoom` plays the match: fields of the matched frame, the room's history, the frames after it. */
export interface RoomScript {
  /** Replaces fields of the matched frame (room r1, 快乐的熊猫, topic music). */
  match?: Record<string, unknown>;
  history?: unknown[];
  /** Frames the room sends right after the history (e.g. the partner's presence). */
  then?: unknown[];
}

/** The lobby matches the open chat page into r1, and the room opens with its history and the frames after it. */
export async function matchIntoRoom(pages: Pages, script: RoomScript = {}) {
  const lobby = pages.fake.lastSocket();
  lobby.open();
  lobby.receive({ type: "matched", roomId: "r1", partner: { alias: "快乐的熊猫" }, topic: "music", ...script.match });
  await pages.settle();
  const room = pages.fake.lastSocket();
  room.open();
  room.receive({ type: "history", messages: script.history ?? [] });
  for (const frame of script.then ?? []) room.receive(frame);
  await pages.settle();
  return room;
}

/** The partner's presence frame, online. */
export const ONLINE = { type: "presence", partner: "online" };

/** The chat page in room r1 with an empty history: `openChatPage`, then `matchIntoRoom`. */
export async function chatInRoom(pages: Pages) {
  const page = await openChatPage(pages);
  const room = await matchIntoRoom(pages);
  return { page, room };
}
