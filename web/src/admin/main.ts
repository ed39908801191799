// The admin console: token sign-in (sessionStorage + bearer header, never in a URL), a hash
// router over the pages, and the live figures refreshed every few seconds.
import type { AdminLiveResponse } from "../../../worker/protocol";
import { byId, clear, h } from "../dom";
import { applyLabels, browserLang, translator } from "../i18n";
import { ApiError, call, token, whenUnauthorized } from "./api";
import { showError, type Ctx } from "./context";
import { conversationPage } from "./conversation";
import { ADMIN_LABELS } from "./labels";
import { auditPage, flaggedPage, usersPage, wordsPage } from "./lists";
import { reportsPage } from "./reports";
import { topicsPage } from "./topics";
import { userPage } from "./user";

const LIVE_EVERY_MS = 3000;

const lang = browserLang();
const t = translator(ADMIN_LABELS, lang);
document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
applyLabels(t as (key: never) => string);

const view = byId("view");
const toastEl = byId("toast");
let toastTimer: ReturnType<typeof setTimeout> | undefined;
let liveTimer: ReturnType<typeof setInterval> | undefined;

const ctx: Ctx = {
  t,
  lang,
  toast(text) {
    toastEl.textContent = text;
    toastEl.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (toastEl.hidden = true), 4000);
  },
  refreshLive: () => void refreshLive(),
};

async function refreshLive(): Promise<void> {
  try {
    const live = await call<AdminLiveResponse>("GET", "/console/live");
    byId("live-waiting").textContent = String(live.waiting);
    byId("live-rooms").textContent = String(live.activeRooms);
    byId("live-messages").textContent = String(live.messagesLastMinute);
    byId("live-reports").textContent = String(live.reportsOpen);
    byId("live").dataset.at = String(live.at);
  } catch {
    // the next tick tries again; a 401 signs out through whenUnauthorized
  }
}

function signedIn(yes: boolean): void {
  byId("signin").hidden = yes;
  byId("app").hidden = !yes;
  clearInterval(liveTimer);
  if (yes) {
    void refreshLive();
    liveTimer = setInterval(() => void refreshLive(), LIVE_EVERY_MS);
    void route();
  } else {
    clear(view);
    byId<HTMLInputElement>("token").focus();
  }
}

let renderId = 0;
async function route(): Promise<void> {
  const id = ++renderId;
  const [name, arg = "", arg2 = ""] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const page = name || "reports";
  clear(view);
  for (const link of document.querySelectorAll<HTMLAnchorElement>("nav a")) {
    const current = link.dataset.nav === page || (page === "u" && link.dataset.nav === "users");
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.body.dataset.page = page;
  const container = h("div", { class: "page" });
  view.appendChild(container);
  try {
    switch (page) {
      case "reports":
        reportsPage(ctx, container, arg === "handled" ? "handled" : "open", arg2);
        break;
      case "c":
        await conversationPage(ctx, container, arg);
        break;
      case "u":
        await userPage(ctx, container, arg, () => void route());
        break;
      case "users":
        usersPage(ctx, container);
        break;
      case "flagged":
        flaggedPage(ctx, container);
        break;
      case "words":
        await wordsPage(ctx, container);
        break;
      case "audit":
        auditPage(ctx, container);
        break;
      case "topics":
        await topicsPage(ctx, container);
        break;
      default:
        location.hash = "#/reports";
        return;
    }
  } catch (err) {
    if (id === renderId) {
      showError(ctx, err);
      container.append(h("p", { class: "muted" }, err instanceof ApiError && err.status === 404 ? t("notFound") : String(err)));
    }
  }
  if (id === renderId) view.focus({ preventScroll: true });
}

byId("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>("token");
  const error = byId("signin-error");
  error.hidden = true;
  try {
    await call("POST", "/console/session", undefined, input.value.trim());
    token.set(input.value.trim());
    input.value = "";
    signedIn(true);
  } catch (err) {
    const code = err instanceof ApiError ? err.code : "network";
    error.textContent = code === "unauthorized" ? t("wrongToken") : code === "too_many_attempts" || code === "rate_limited" ? t("tooMany") : t("error", { message: code });
    error.hidden = false;
    input.select();
  }
});

byId("signout").addEventListener("click", () => {
  token.clear();
  signedIn(false);
});

byId("lookup").addEventListener("submit", async (event) => {
  event.preventDefault();
  const id = byId<HTMLInputElement>("lookup-id").value.trim();
  if (!id) return;
  // A user id or a conversation id: both are random, so ask for the user first.
  try {
    await call("GET", `/console/users/${encodeURIComponent(id)}`);
    location.hash = `#/u/${encodeURIComponent(id)}`;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) location.hash = `#/c/${encodeURIComponent(id)}`;
    else showError(ctx, err);
  }
});

whenUnauthorized(() => {
  token.clear();
  signedIn(false);
  byId("signin-error").textContent = t("wrongToken");
  byId("signin-error").hidden = false;
});

// A nav link to the page already shown reloads it (a fresh queue), as a click would be expected to.
for (const link of document.querySelectorAll<HTMLAnchorElement>("nav a")) {
  link.addEventListener("click", () => {
    if (link.getAttribute("href") === location.hash) void route();
  });
}

window.addEventListener("hashchange", () => {
  if (token.get()) void route();
});

signedIn(token.get() !== null);
