// The plain listings: users, flagged messages, filter words, the audit log.
import { verdictView } from "./reports";
import type { AdminAuditEntry, AdminAuditResponse, AdminFlaggedMessage, AdminFlaggedResponse, FilterWordsResponse } from "../../../worker/protocol";
import { clear, h } from "../dom";
import { call, q } from "./api";
import { actionButton, conversationLink, paged, showError, time, userLink, type Ctx } from "./context";

interface UsersPage {
  users: { id: string; platform: string; createdAt: number; lastSeenAt: number; bannedAt: number | null }[];
  nextCursor: string | null;
}

export function usersPage(ctx: Ctx, view: HTMLElement): void {
  const list = h("ul", { class: "rows", id: "user-list" });
  view.append(
    h("h1", {}, ctx.t("users")),
    list,
    paged(
      ctx,
      list,
      ctx.t("more"),
      async (cursor) => {
        const res = await call<UsersPage>("GET", `/users${q({ cursor, limit: 50 })}`);
        return { items: res.users, next: res.nextCursor };
      },
      (u) =>
        h(
          "li",
          {},
          userLink(u.id),
          ` · ${u.platform} · ${ctx.t("lastSeen")} `,
          time(ctx, u.lastSeenAt),
          u.bannedAt === null ? "" : ` · ${ctx.t("bannedAt", { at: time(ctx, u.bannedAt).textContent ?? "" })}`,
        ),
    ),
  );
}

export function flaggedRow(ctx: Ctx, f: AdminFlaggedMessage): HTMLElement {
  return h(
    "li",
    { class: "flagged" },
    h("span", { class: `badge ${f.reason}` }, f.reason === "review" ? ctx.t("flagReview") : ctx.t("flagUnchecked")),
    " ",
    h("span", { class: "text" }, f.text),
    h("br"),
    `${ctx.t("sender")} `,
    userLink(f.senderId),
    ` · ${ctx.t("conversation")} `,
    conversationLink(f.conversationId),
    " · ",
    time(ctx, f.at),
    f.verdict ? verdictView(ctx, f.verdict) : null,
  );
}

export function flaggedPage(ctx: Ctx, view: HTMLElement): void {
  const list = h("ul", { class: "rows", id: "flagged-list" });
  const empty = h("p", { class: "muted", hidden: true }, ctx.t("noneYet"));
  view.append(
    h("h1", {}, ctx.t("flaggedTitle")),
    empty,
    list,
    paged(
      ctx,
      list,
      ctx.t("more"),
      async (cursor) => {
        const res = await call<AdminFlaggedResponse>("GET", `/flagged${q({ cursor, limit: 50 })}`);
        return { items: res.messages, next: res.nextCursor };
      },
      (f) => flaggedRow(ctx, f),
      () => (empty.hidden = list.childElementCount > 0),
    ),
  );
}

export async function wordsPage(ctx: Ctx, view: HTMLElement): Promise<void> {
  const list = h("ul", { class: "words", id: "word-list" });
  const show = (words: string[]) => {
    clear(list);
    for (const word of words) {
      list.appendChild(
        h(
          "li",
          {},
          h("span", { class: "word" }, word),
          actionButton(ctx, ctx.t("remove"), { id: `remove-${word}` }, async () => {
            show((await call<FilterWordsResponse>("DELETE", `/filter-words/${encodeURIComponent(word)}`)).words);
          }),
        ),
      );
    }
  };
  const input = h("input", { id: "new-words", "aria-label": ctx.t("addWords"), placeholder: ctx.t("addWords") });
  const form = h("form", { class: "inline" }, input, h("button", { type: "submit", class: "primary" }, ctx.t("add")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const words = input.value.split(/[\s,，、]+/).filter((w) => w.length > 0);
    if (words.length === 0) return;
    try {
      show((await call<FilterWordsResponse>("POST", "/filter-words", { words })).words);
      input.value = "";
    } catch (err) {
      showError(ctx, err);
    }
  });
  view.append(h("h1", {}, ctx.t("words")), form, list);
  show((await call<FilterWordsResponse>("GET", "/filter-words")).words);
}

export function auditPage(ctx: Ctx, view: HTMLElement): void {
  const body = h("tbody", { id: "audit-rows" });
  view.append(
    h("h1", {}, ctx.t("audit")),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, h("th", {}, ctx.t("at")), h("th", {}, ctx.t("action")), h("th", {}, ctx.t("target")), h("th", {}, ctx.t("count")))),
        body,
      ),
    ),
    paged(
      ctx,
      body,
      ctx.t("more"),
      async (cursor) => {
        const res = await call<AdminAuditResponse>("GET", `/console/audit${q({ cursor, limit: 50 })}`);
        return { items: res.entries, next: res.nextCursor };
      },
      (e: AdminAuditEntry) =>
        h("tr", { "data-action": e.action }, h("td", {}, time(ctx, e.at)), h("td", {}, e.action), h("td", { class: "id" }, e.target ?? ""), h("td", {}, e.count ?? "")),
    ),
  );
}
