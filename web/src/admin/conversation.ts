// One conversation as stored in D1: its two people, its messages (newest page first, older on
// demand), and deleting its history.
import type { AdminConversationMessage, AdminConversationResponse, AdminImage, AdminImagesResponse, DeletedResponse } from "../../../worker/protocol";
import { clear, h } from "../dom";
import { call, q } from "./api";
import { actionButton, showError, time, userLink, type Ctx } from "./context";

export async function conversationPage(ctx: Ctx, view: HTMLElement, id: string): Promise<void> {
  const [first, pictures] = await Promise.all([
    call<AdminConversationResponse>("GET", `/console/conversations/${encodeURIComponent(id)}${q({ limit: 50 })}`),
    call<AdminImagesResponse>("GET", `/conversations/${encodeURIComponent(id)}/images`),
  ]);
  const list = h("ol", { class: "conversation", id: "conversation-messages" });
  const empty = h("p", { class: "muted", id: "conversation-empty" }, ctx.t("noMessages"));
  const older = h("button", { type: "button", class: "more" }, ctx.t("older"));
  const row = (m: AdminConversationMessage) =>
    h(
      "li",
      { class: `msg ${m.senderId === first.userA ? "a" : "b"}` },
      h("span", { class: "who" }, m.senderId === first.userA ? "A" : "B"),
      h("span", { class: "text" }, messageText(ctx, m)),
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
  if (pictures.images.length > 0) {
    view.append(h("section", {}, h("h2", {}, ctx.t("pictures")), h("ul", { class: "pictures", id: "conversation-pictures" }, ...pictures.images.map((p) => pictureItem(ctx, p)))));
  }
  show(first.messages, first.nextBefore, false);
}

/** A picture shows as its id (the pictures below show it); a recalled message as a marker. */
function messageText(ctx: Ctx, m: AdminConversationMessage): string {
  if (m.kind === "recalled") return `⟲ ${ctx.t("recalled")}`;
  if (m.kind === "image" || m.kind === "image_pending") {
    const checking = m.kind === "image_pending" ? ` (${ctx.t("pictureChecking")})` : "";
    try {
      return `🖼 ${ctx.t("picture")} ${(JSON.parse(m.text) as { id: string }).id}${checking}`;
    } catch {
      return `🖼 ${ctx.t("picture")}${checking}`;
    }
  }
  return m.text;
}

/** A stored picture as a thumbnail that opens full size (a short-lived admin link); a removed one as its state. */
function pictureItem(ctx: Ctx, p: AdminImage): HTMLElement {
  const label = h("span", { class: "id" }, p.id);
  if (!p.url) return h("li", { "data-status": p.status }, label, " ", ctx.t("pictureRemoved", { status: p.status }), " ", time(ctx, p.createdAt));
  return h(
    "li",
    { "data-status": p.status },
    h("a", { href: p.url, target: "_blank", rel: "noopener noreferrer" }, h("img", { src: p.url, alt: `${ctx.t("picture")} ${p.id}`, width: "96", loading: "lazy" })),
    " ",
    label,
    p.status === "pending" ? ` (${ctx.t("pictureChecking")})` : "",
    " ",
    time(ctx, p.createdAt),
  );
}
