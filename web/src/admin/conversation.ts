// One conversation as stored in D1: its two people, its messages (newest page first, older on
// demand), and deleting its history.
import type { AdminConversationMessage, AdminConversationResponse, DeletedResponse } from "../../../worker/protocol";
import { clear, h } from "../dom";
import { call, q } from "./api";
import { actionButton, showError, time, userLink, type Ctx } from "./context";

export async function conversationPage(ctx: Ctx, view: HTMLElement, id: string): Promise<void> {
  const first = await call<AdminConversationResponse>("GET", `/console/conversations/${encodeURIComponent(id)}${q({ limit: 50 })}`);
  const list = h("ol", { class: "conversation", id: "conversation-messages" });
  const empty = h("p", { class: "muted", id: "conversation-empty" }, ctx.t("noMessages"));
  const older = h("button", { type: "button", class: "more" }, ctx.t("older"));
  const row = (m: AdminConversationMessage) =>
    h(
      "li",
      { class: `msg ${m.senderId === first.userA ? "a" : "b"}` },
      h("span", { class: "who" }, m.senderId === first.userA ? "A" : "B"),
      h("span", { class: "text" }, messageText(m)),
      time(ctx, m.at),
    );
  const show = (messages: AdminConversationMessage[], nextBefore: number | null, prepend: boolean) => {
    const rows = messages.map(row);
    if (prepend) list.prepend(...rows);
    else list.append(...rows);
    empty.hidden = list.childElementCount > 0;
    older.hidden = nextBefore === null;
    older.onclick = async () => {
      try {
        const page = await call<AdminConversationResponse>("GET", `/console/conversations/${encodeURIComponent(id)}${q({ limit: 50, before: nextBefore })}`);
        show(page.messages, page.nextBefore, true);
      } catch (err) {
        showError(ctx, err);
      }
    };
  };
  view.append(
    h("h1", {}, ctx.t("conversation"), " ", h("span", { class: "id" }, first.id)),
    h("p", {}, `${ctx.t("participants")}: A `, userLink(first.userA), " · B ", userLink(first.userB), " · ", time(ctx, first.createdAt)),
    h(
      "div",
      { class: "actions" },
      actionButton(ctx, ctx.t("deleteHistory"), { confirm: ctx.t("confirmDelete"), danger: true, id: "delete-history" }, async () => {
        const res = await call<DeletedResponse>("DELETE", `/conversations/${encodeURIComponent(id)}`);
        ctx.toast(ctx.t("deleted", { n: res.deleted }));
        clear(list);
        show([], null, false);
      }),
    ),
    older,
    list,
    empty,
  );
  show(first.messages, first.nextBefore, false);
}

/** A picture shows as its id (the pictures list has its link); a recalled message as a marker. */
function messageText(m: AdminConversationMessage): string {
  if (m.kind === "recalled") return "⟲ (recalled)";
  if (m.kind === "image" || m.kind === "image_pending") {
    try {
      return `🖼 ${(JSON.parse(m.text) as { id: string }).id}${m.kind === "image_pending" ? " (checking)" : ""}`;
    } catch {
      return "🖼";
    }
  }
  return m.text;
}
