// The report queue: open reports by severity, then newest first (or the handled ones), each with
// its snapshot, the safety model's verdict beside it, the reported user's report count, and the
// three ways to handle it; a category filter narrows the queue to one kind of verdict.
import {
  AI_CATEGORIES,
  type AdminHandleRequest,
  type AdminQueueReport,
  type AdminQueueResponse,
  type AiCategory,
  type AiVerdict,
  type ReportSnapshotMessage,
} from "../../../worker/protocol";
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

const CATEGORY_KEY = {
  child: "catChild",
  violence: "catViolence",
  self_harm: "catSelfHarm",
  sexual: "catSexual",
  fraud: "catFraud",
  hate: "catHate",
  privacy: "catPrivacy",
  defamation: "catDefamation",
  other: "catOther",
} as const satisfies Record<AiCategory, string>;

export function categoryLabel(ctx: Ctx, category: AiCategory): string {
  return ctx.t(CATEGORY_KEY[category]);
}

/** The model's verdict in the console's words; a verdict only informs, an admin decides. */
export function verdictView(ctx: Ctx, verdict: AiVerdict | null): HTMLElement {
  const box = h("div", { class: `verdict ${verdict?.status ?? "none"}`, "data-verdict": verdict?.status ?? "none" });
  if (verdict === null) return box.appendChild(h("span", { class: "muted" }, ctx.t("verdictNone"))), box;
  const head = h("strong", {}, ctx.t("verdictTitle"), " ");
  if (verdict.status === "unsafe") {
    box.append(
      head,
      ...verdict.categories.map((c) => h("span", { class: `category cat-${c}`, "data-category": c }, categoryLabel(ctx, c))),
      h("span", { class: "muted" }, ` (${verdict.hazards.join(", ")})`),
    );
  } else {
    const text = verdict.status === "safe" ? ctx.t("verdictSafe") : verdict.status === "over_budget" ? ctx.t("verdictOverBudget") : ctx.t("verdictFailed");
    box.append(head, h("span", {}, text));
  }
  box.append(" · ", time(ctx, verdict.at));
  return box;
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
    verdictView(ctx, r.verdict),
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

export function reportsPage(ctx: Ctx, view: HTMLElement, status: "open" | "handled", category = ""): void {
  const list = h("div", { class: "cards", id: "report-list" });
  const empty = h("p", { class: "muted", hidden: true }, ctx.t("noReports"));
  const checkEmpty = () => (empty.hidden = list.childElementCount > 0);
  const chosen = (AI_CATEGORIES as readonly string[]).includes(category) ? (category as AiCategory) : undefined;
  const filter = h(
    "select",
    { id: "category-filter", "aria-label": ctx.t("categoryFilter") },
    h("option", { value: "" }, ctx.t("categoryAll")),
    ...AI_CATEGORIES.map((c) => h("option", { value: c, ...(c === chosen ? { selected: true } : {}) }, categoryLabel(ctx, c))),
  ) as HTMLSelectElement;
  filter.addEventListener("change", () => {
    location.hash = filter.value ? `#/reports/${status}/${filter.value}` : status === "open" ? "#/reports" : "#/reports/handled";
  });
  const triage = h("p", { class: "triage muted", id: "triage-status" });
  view.append(
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, status === "open" ? ctx.t("reportsOpen") : ctx.t("reportsHandled")),
      filter,
      h("a", { href: status === "open" ? "#/reports/handled" : "#/reports" }, status === "open" ? ctx.t("showHandled") : ctx.t("showOpen")),
    ),
    triage,
    empty,
    list,
    paged(
      ctx,
      list,
      ctx.t("more"),
      async (cursor) => {
        const res = await call<AdminQueueResponse>("GET", `/console/reports${q({ status, cursor, limit: 20, category: chosen })}`);
        const t = res.triage;
        triage.textContent =
          t.model === null
            ? ctx.t("triageOff")
            : t.usedToday >= t.budget
              ? ctx.t("triageOverBudget", { used: t.usedToday, budget: t.budget })
              : ctx.t("triageOn", { model: t.model, used: t.usedToday, budget: t.budget });
        triage.dataset.state = t.model === null ? "off" : t.usedToday >= t.budget ? "over_budget" : "on";
        return { items: res.reports, next: res.nextCursor };
      },
      (r) => reportCard(ctx, r, checkEmpty),
      checkEmpty,
    ),
  );
}
