// One user: when they came and were last seen, ban state, reports against them, their flagged
// messages and conversations; ban/unban, delete their messages, erase them.
import type { AdminBanResponse, AdminMatchingResponse, AdminUserDetail, DeletedResponse } from "../../../worker/protocol";
import { h } from "../dom";
import { call } from "./api";
import { actionButton, conversationLink, time, userLink, type Ctx } from "./context";
import { flaggedRow } from "./lists";
import { reportCard } from "./reports";

export async function userPage(ctx: Ctx, view: HTMLElement, id: string, rerender: () => void): Promise<void> {
  const u = await call<AdminUserDetail>("GET", `/console/users/${encodeURIComponent(id)}`);
  const path = `/users/${encodeURIComponent(u.id)}`;
  const section = (title: string, ...content: (Node | null)[]) => h("section", {}, h("h2", {}, title), ...content);
  const none = (n: number) => (n === 0 ? h("p", { class: "muted" }, ctx.t("noneYet")) : null);
  view.append(
    h("h1", {}, ctx.t("user"), " ", h("span", { class: "id" }, u.id)),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, ctx.t("platform")),
      h("dd", {}, u.platform),
      h("dt", {}, ctx.t("created")),
      h("dd", {}, time(ctx, u.createdAt)),
      h("dt", {}, ctx.t("lastSeen")),
      h("dd", {}, time(ctx, u.lastSeenAt)),
      h("dt", {}, ctx.t("banState")),
      h("dd", { id: "ban-state", "data-banned": String(u.bannedAt !== null) }, u.bannedAt === null ? ctx.t("notBanned") : ctx.t("bannedAt", { at: time(ctx, u.bannedAt).textContent ?? "" })),
      h("dt", {}, ctx.t("matching")),
      h(
        "dd",
        { id: "matching-state", "data-suspended": String(u.matchingSuspendedAt !== null) },
        u.matchingSuspendedAt !== null
          ? ctx.t("matchingSuspended", { at: time(ctx, u.matchingSuspendedAt).textContent ?? "" })
          : u.adultConfirmedAt === null
            ? ctx.t("matchingNoAdult")
            : ctx.t("matchingOn"),
      ),
    ),
    h(
      "div",
      { class: "actions" },
      u.bannedAt === null
        ? actionButton(ctx, ctx.t("ban"), { confirm: ctx.t("confirmBan"), danger: true, id: "ban" }, async () => {
            await call<AdminBanResponse>("POST", `${path}/ban`);
            rerender();
          })
        : actionButton(ctx, ctx.t("unban"), { id: "unban" }, async () => {
            await call<AdminBanResponse>("POST", `${path}/unban`);
            rerender();
          }),
      u.matchingSuspendedAt === null
        ? actionButton(ctx, ctx.t("suspendMatching"), { confirm: ctx.t("confirmSuspend"), id: "suspend-matching" }, async () => {
            await call<AdminMatchingResponse>("POST", `${path}/suspend-matching`);
            rerender();
          })
        : actionButton(ctx, ctx.t("resumeMatching"), { id: "resume-matching" }, async () => {
            await call<AdminMatchingResponse>("POST", `${path}/resume-matching`);
            rerender();
          }),
      actionButton(ctx, ctx.t("deleteMessages"), { confirm: ctx.t("confirmDeleteUser"), danger: true, id: "delete-messages" }, async () => {
        const res = await call<DeletedResponse>("DELETE", `${path}/messages`);
        ctx.toast(ctx.t("deleted", { n: res.deleted }));
        rerender();
      }),
      actionButton(ctx, ctx.t("eraseUser"), { confirm: ctx.t("confirmErase"), danger: true, id: "erase" }, async () => {
        const res = await call<DeletedResponse>("DELETE", `/console/users/${encodeURIComponent(u.id)}`);
        ctx.toast(ctx.t("deleted", { n: res.deleted }));
        location.hash = "#/users";
      }),
    ),
    section(ctx.t("reportsAgainstTitle"), none(u.reportsAgainst.length), h("div", { class: "cards" }, ...u.reportsAgainst.map((r) => reportCard(ctx, r, rerender)))),
    section(ctx.t("flaggedTitle"), none(u.flagged.length), h("ul", { class: "rows" }, ...u.flagged.map((f) => flaggedRow(ctx, f)))),
    section(
      ctx.t("conversationsTitle"),
      none(u.conversations.length),
      h(
        "ul",
        { class: "rows" },
        ...u.conversations.map((v) =>
          h("li", {}, conversationLink(v.id), ` · ${ctx.t("partner")} `, userLink(v.partnerId), ` · ${ctx.t("lastMessage")} `, time(ctx, v.lastMessageAt)),
        ),
      ),
    ),
  );
}
