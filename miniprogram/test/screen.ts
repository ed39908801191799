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

/** The lobby matches the open chat page with 快乐的熊猫 in r1; the room opens with `history` (and `presence` if given). */
export async function matchIntoRoom(pages: Pages, options: { history?: unknown[]; presence?: "online" | "offline" } = {}) {
  const lobby = pages.fake.lastSocket();
  lobby.open();
  lobby.receive({ type: "matched", roomId: "r1", partner: { alias: "快乐的熊猫" }, topic: "music" });
  await pages.settle();
  const room = pages.fake.lastSocket();
  room.open();
  room.receive({ type: "history", messages: options.history ?? [] });
  if (options.presence) room.receive({ type: "presence", partner: options.presence });
  await pages.settle();
  return room;
}

/** The chat page in room r1 with an empty history: `openChatPage`, then `matchIntoRoom`. */
export async function chatInRoom(pages: Pages) {
  const page = await openChatPage(pages);
  const room = await matchIntoRoom(pages);
  return { page, room };
}
