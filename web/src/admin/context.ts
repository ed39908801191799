// What every console page gets: the translator, the language, a toast, navigation, and the
// small pieces several pages share (id links, a "load more" button, confirm-then-act).
import { h } from "../dom";
import { formatTime, type Lang } from "../i18n";
import { ApiError } from "./api";
import type { AdminKey } from "./labels";

export interface Ctx {
  t: (key: AdminKey, vars?: Record<string, string | number>) => string;
  lang: Lang;
  toast(text: string): void;
  /** Re-reads the live figures now (after an action that changes them). */
  refreshLive(): void;
}

export const userLink = (id: string) => h("a", { href: `#/u/${encodeURIComponent(id)}`, class: "id" }, id);
export const conversationLink = (id: string) => h("a", { href: `#/c/${encodeURIComponent(id)}`, class: "id" }, id);
export const time = (ctx: Ctx, at: number | null) => h("time", at === null ? {} : { datetime: new Date(at).toISOString() }, formatTime(at, ctx.lang));

export function showError(ctx: Ctx, err: unknown): void {
  if (err instanceof ApiError && err.status === 404) return ctx.toast(ctx.t("notFound"));
  ctx.toast(ctx.t("error", { message: err instanceof Error ? err.message : String(err) }));
}

/** A button that runs `act` after an optional confirm, disabled while it runs. */
export function actionButton(ctx: Ctx, label: string, opts: { confirm?: string; danger?: boolean; id?: string }, act: () => Promise<void>) {
  const button = h("button", { type: "button", class: opts.danger ? "danger" : "", "data-action": opts.id ?? null }, label);
  button.addEventListener("click", async () => {
    if (opts.confirm && !window.confirm(opts.confirm)) return;
    button.disabled = true;
    try {
      await act();
    } catch (err) {
      showError(ctx, err);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/**
 * Paged lists: renders the first page into `list` and a "load more" button that fetches the
 * next one with the cursor the previous page returned, until there is none.
 */
export function paged<T>(
  ctx: Ctx,
  list: HTMLElement,
  label: string,
  load: (cursor: string | null) => Promise<{ items: T[]; next: string | null }>,
  row: (item: T) => Node,
  afterPage?: () => void,
): HTMLButtonElement {
  const more = h("button", { type: "button", class: "more", hidden: true }, label);
  const page = async (cursor: string | null) => {
    more.disabled = true;
    try {
      const { items, next } = await load(cursor);
      for (const item of items) list.appendChild(row(item));
      more.hidden = next === null;
      more.onclick = () => void page(next);
      afterPage?.();
    } catch (err) {
      showError(ctx, err);
    } finally {
      more.disabled = false;
    }
  };
  void page(null);
  return more;
}
