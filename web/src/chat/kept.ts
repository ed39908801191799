// 我的聊天 on the web chat's start panel: the chats both people kept (保持联系), each opening its
// room with the history, or ending it for both.
import type { ChatsResponse, ChatSummary } from "../../../worker/protocol";
import { byId, clear, h } from "../dom";
import { authedJson } from "./session";

export interface KeptListOptions {
  t: (key: string, vars?: Record<string, string | number>) => string;
  open: (chat: ChatSummary) => void;
  failed: (err: unknown) => void;
}

export function keptList({ t, open, failed }: KeptListOptions) {
  const box = byId("chats");
  const section = byId("chats-panel");

  async function refresh(): Promise<void> {
    let chats: ChatSummary[];
    try {
      chats = (await authedJson<ChatsResponse>("/api/chats"))?.chats ?? [];
    } catch (err) {
      return failed(err);
    }
    clear(box);
    section.hidden = chats.length === 0;
    for (const chat of chats) {
      const when = chat.lastMessageAt === null ? t("noMessages") : new Date(chat.lastMessageAt).toLocaleString();
      const end = async () => {
        try {
          await authedJson(`/api/chats/${encodeURIComponent(chat.id)}`, "DELETE");
          await refresh();
        } catch (err) {
          failed(err);
        }
      };
      box.appendChild(
        h(
          "li",
          { class: "kept", "data-room": chat.id },
          h(
            "button",
            { type: "button", class: "kept-open", onclick: () => open(chat) },
            h("strong", {}, chat.partner.alias),
            " ",
            h("span", { class: "when" }, when),
            chat.unread > 0 ? h("span", { class: "unread", "aria-label": t("unread", { n: chat.unread }) }, String(chat.unread)) : null,
          ),
          h("button", { type: "button", class: "kept-end", onclick: end }, t("endChat")),
        ),
      );
    }
  }

  return { refresh };
}
