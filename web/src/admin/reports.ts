// The report queue: open reports newest first (or the handled ones), each with its snapshot,
// the reported user's report count, and the three ways to handle it.
import type { AdminHandleRequest, AdminQueueReport, AdminQueueResponse, ReportSnapshotMessage } from "../../../worker/protocol";
import { h } from "../dom";
import { call, q } from "./api";
import { actionButton, conversationLink, paged, time, userLink, type Ctx } from "./context";

/**
 * The snapshot oldest first; the reported user's lines stand out, most of all the message the
 * reporter pointed at (or, without one, the reported user's last).
 */
export function snapshotView(ctx: Ctx, messages: ReportSnapshotMessage[]): HTMLElement {
  const pointed = messages.findIndex((m) => m.highlighted);
  const lastReported = pointed >= 0 ? pointed : messages.map((m) => m.from).lastIndexOf("reported");
  return h(
    "ol",
    { class: "snapshot", "aria-label": ctx.t("snapshot") },
    ...messages.map((m, i) =>
      h(
        "li",
        { class: `snap ${m.from}${i === lastReported ? " highlight" : ""}`, "data-from": m.from },
        h("span", { class: "who" }, m.from === "reported" ? ctx.t("fromReported") : ctx.t("fromReporter")),
        i === lastReported ? h("span", { class: "badge" }, ctx.t("reportedMessage")) : null,
        m.recalled ? h("span", { class: "badge recalled" }, ctx.t("recalled")) : null,
        h("span", { class: "text" }, m.text),
        time(ctx, m.at),
      ),
    ),
  );
}

function handledLabel(ctx: Ctx, r: AdminQueueReport): string {
  const action = r.handledAction === "ban" ? ctx.t("handledBan") : r.handledAction === "dismiss" ? ctx.t("handledDismiss") : ctx.t("handledDelete");
  return ctx.t("handled", { action });
}

export function reportCard(ctx: Ctx, r: AdminQueueReport, onHandled?: () => void): HTMLElement {
  const card = h("article", { class: "card report", "data-report": r.id, tabindex: -1 });
  const note = h("input", { class: "note", maxlength: 500, "aria-label": ctx.t("note"), placeholder: ctx.t("note") });
  const handle = async (action: AdminHandleRequest["action"]) => {
    const body: AdminHandleRequest = { action, note: note.value.trim() || undefined };
    await call("POST", `/console/reports/${r.id}/handle`, body);
    ctx.toast(ctx.t("done"));
    ctx.refreshLive();
    const next = card.nextElementSibling as HTMLElement | null;
    card.remove();
    next?.focus();
    onHandled?.();
  };
  card.append(
    h("h3", {}, `#${r.id} · `, time(ctx, r.createdAt)),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, ctx.t("category")),
      h("dd", { class: `category ${r.category}` }, ctx.t(`cat_${r.category}`)),
      h("dt", {}, ctx.t("reason")),
      h("dd", { class: "reason" }, r.reason),
      h("dt", {}, ctx.t("reporter")),
      h("dd", {}, userLink(r.reporterId)),
      h("dt", {}, ctx.t("reported")),
      h("dd", {}, userLink(r.reportedId), " ", h("span", { class: "count" }, ctx.t("reportsAgainst", { n: r.reportsAgainst }))),
      h("dt", {}, ctx.t("conversation")),
      h("dd", {}, conversationLink(r.conversationId)),
    ),
    snapshotView(ctx, r.messages),
  );
  if (r.handledAt !== null) {
    card.append(h("p", { class: "handled" }, handledLabel(ctx, r), " · ", time(ctx, r.handledAt), r.handledNote ? ` · ${r.handledNote}` : ""));
    return card;
  }
  card.append(
    h(
      "div",
      { class: "actions" },
      note,
      actionButton(ctx, ctx.t("ban"), { confirm: ctx.t("confirmBan"), danger: true, id: "ban" }, async () => {
        await call("POST", `/users/${encodeURIComponent(r.reportedId)}/ban`);
        await handle("ban");
      }),
      actionButton(ctx, ctx.t("dismiss"), { id: "dismiss" }, () => handle("dismiss")),
      actionButton(ctx, ctx.t("deleteHistory"), { confirm: ctx.t("confirmDelete"), danger: true, id: "delete-history" }, async () => {
        await call("DELETE", `/conversations/${encodeURIComponent(r.conversationId)}`);
        await handle("delete_history");
      }),
    ),
  );
  return card;
}

export function reportsPage(ctx: Ctx, view: HTMLElement, status: "open" | "handled"): void {
  const list = h("div", { class: "cards", id: "report-list" });
  const empty = h("p", { class: "muted", hidden: true }, ctx.t("noReports"));
  const checkEmpty = () => (empty.hidden = list.childElementCount > 0);
  view.append(
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, status === "open" ? ctx.t("reportsOpen") : ctx.t("reportsHandled")),
      h("a", { href: status === "open" ? "#/reports/handled" : "#/reports" }, status === "open" ? ctx.t("showHandled") : ctx.t("showOpen")),
    ),
    empty,
    list,
    paged(
      ctx,
      list,
      ctx.t("more"),
      async (cursor) => {
        const res = await call<AdminQueueResponse>("GET", `/console/reports${q({ status, cursor, limit: 20 })}`);
        return { items: res.reports, next: res.nextCursor };
      },
      (r) => reportCard(ctx, r, checkEmpty),
      checkEmpty,
    ),
  );
}
