// The web chat: the mini program's own protocol client (miniprogram/lib/chat-client.ts) driving
// a plain page over the browser's WebSocket. Dev login only (the worker serves this page only
// when DEV_LOGIN is on).
import { ChatClient, type ChatMessage, type ChatState } from "../../../miniprogram/lib/chat-client";
import { errorMessage } from "../../../miniprogram/lib/errors";
import type { AdultRequest, KeepResponse, ReportCategory, ReportRequest, Topic, TopicsResponse } from "../../../worker/protocol";
import { byId, clear, h } from "../dom";
import { applyLabels, browserLang, translator } from "../i18n";
import { CHAT_LABELS, ERRORS_EN, type EndKey } from "./labels";
import { keptList } from "./kept";
import { authedPost, authedPostJson, LoginError, sessionToken } from "./session";
import { browserSocket } from "./socket";

const ADULT_KEY = "onechat.web.adult";
const lang = browserLang();
const t = translator(CHAT_LABELS, lang);
document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
applyLabels(t as (key: never) => string);

const client = new ChatClient({
  wsBase: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`,
  getToken: sessionToken,
  connect: browserSocket,
  // 保持联系 on the end screen (its socket is closed): the same tap over REST.
  keepOverRest: async (roomId) => (await authedPostJson<KeepResponse>(`/api/chats/${encodeURIComponent(roomId)}/keep`))?.keep ?? "pending",
});

const panels = {
  start: byId("start-panel"),
  waiting: byId("waiting-panel"),
  chat: byId("chat-panel"),
};
const messagesEl = byId<HTMLOListElement>("messages");
const textEl = byId<HTMLInputElement>("text");
const reportForm = byId<HTMLFormElement>("report-form");
const toastEl = byId("toast");
let toastTimer: ReturnType<typeof setTimeout> | undefined;

function toast(text: string): void {
  toastEl.textContent = text;
  toastEl.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (toastEl.hidden = true), 4000);
}

function errorText(code: string): string {
  if (lang === "zh") return errorMessage(code);
  return ERRORS_EN[code] ?? `${errorMessage(code)} (${code})`;
}

function codeMessage(err: unknown): string {
  return errorText(err instanceof LoginError ? err.code : err && typeof err === "object" && "code" in err ? String(err.code) : "unknown");
}

async function loadTopics(): Promise<void> {
  const box = byId("topics");
  let topics: Topic[] = [];
  try {
    const res = await fetch("/api/topics");
    topics = ((await res.json()) as TopicsResponse).topics ?? [];
  } catch {
    toast(codeMessage({ code: "network" }));
  }
  clear(box);
  const option = (value: string, title: string, checked: boolean) =>
    h("label", { class: "topic" }, h("input", { type: "radio", name: "topic", value, checked }), " ", title);
  box.appendChild(option("", t("anyone"), true));
  for (const topic of topics) box.appendChild(option(topic.id, topic.title, false));
}

function selectedTopic(): string | null {
  const checked = document.querySelector<HTMLInputElement>('input[name="topic"]:checked');
  return checked?.value ? checked.value : null;
}

function statusText(s: ChatState): string {
  if (s.reconnecting) return t("reconnecting");
  if (s.phase === "idle" || s.phase === "ended") return t("idle");
  return s.connected ? t("connected") : t("connecting");
}

function messageItem(m: ChatMessage): HTMLLIElement {
  const li = h(
    "li",
    { class: `msg ${m.from}${m.earlier ? " earlier" : ""}`, "data-from": m.from, "data-status": m.status, "data-key": m.key },
    h("span", { class: "text" }, m.text),
  );
  if (m.status === "pending") li.appendChild(h("span", { class: "state" }, t("pending")));
  if (m.status === "failed" && m.clientId) {
    const id = m.clientId;
    li.appendChild(h("button", { type: "button", class: "state retry", onclick: () => client.retry(id) }, m.error ?? t("failed")));
  }
  return li;
}

function render(s: ChatState): void {
  byId("status").textContent = statusText(s);
  document.body.dataset.phase = s.phase;
  document.body.dataset.connected = String(s.connected);
  document.body.dataset.room = s.roomId ?? "";
  const inRoom = s.roomId !== null && (s.phase === "chatting" || s.phase === "ended");
  const waiting = !inRoom && (s.phase === "waiting" || s.phase === "connecting");
  panels.chat.hidden = !inRoom;
  panels.waiting.hidden = !waiting;
  panels.start.hidden = inRoom || waiting;
  byId("online").textContent = s.online === null ? "" : t("online", { n: s.online });
  byId("estimate").textContent = s.estimateMs === null ? "" : t("estimate", { s: Math.ceil(s.estimateMs / 1000) });
  byId("fallback").hidden = !(waiting && s.fallback);
  renderKeep(s);

  byId("partner-name").textContent = s.partnerAlias ?? "";
  const presence = byId("presence");
  // While this side is disconnected the last presence is stale: show none.
  presence.hidden = !s.connected || s.partnerPresence === null;
  presence.textContent = s.partnerPresence === null ? "" : t(s.partnerPresence === "online" ? "partnerOnline" : "partnerOffline");
  presence.dataset.presence = s.partnerPresence ?? "";
  byId("typing").hidden = !s.partnerTyping;

  const stick = messagesEl.scrollTop + messagesEl.clientHeight >= messagesEl.scrollHeight - 8;
  clear(messagesEl);
  let earlierShown = false;
  for (const m of s.messages) {
    if (m.earlier && !earlierShown) {
      messagesEl.appendChild(h("li", { class: "divider" }, t("earlier")));
      earlierShown = true;
    }
    messagesEl.appendChild(messageItem(m));
  }
  if (stick) messagesEl.scrollTop = messagesEl.scrollHeight;

  const ended = byId("ended");
  ended.hidden = s.phase !== "ended";
  // "failed": something retrying cannot fix (a ban, a refused room); the client names it.
  ended.textContent = s.endReason === "failed" ? errorText(s.failure ?? "unknown") : s.endReason ? t(`end_${s.endReason}` satisfies EndKey) : "";
  // Refused before any room (a ban at the lobby): say so above the topics.
  const startNote = byId("start-note");
  startNote.hidden = !(s.endReason === "failed" && !inRoom);
  startNote.textContent = startNote.hidden ? "" : errorText(s.failure ?? "unknown");
  const chatting = s.phase === "chatting";
  for (const id of ["text", "send", "report-open", "block"]) (byId(id) as HTMLButtonElement).disabled = !chatting;
  byId("leave").textContent = s.phase === "ended" ? t("back") : t("leave");
  byId("next").textContent = s.phase === "ended" ? t("again") : t("next");
  if (!chatting) reportForm.hidden = true;
  renderCare(s);
}

/** The care card: for this person only (the server sends it to no one else), a tap calls a line. */
function renderCare(s: ChatState): void {
  const box = byId("care");
  box.hidden = s.care === null;
  clear(box);
  if (s.care === null) return;
  box.append(
    h("h2", { id: "care-title" }, t("careTitle")),
    h("p", {}, t("careBody")),
    h("ul", {}, ...s.care.map((line) => h("li", {}, h("a", { href: `tel:${line.phone}`, class: "care-call" }, `${line.name} ${line.phone}`)))),
    h("button", { type: "button", id: "care-close", onclick: () => client.dismissCare() }, t("careClose")),
  );
}

/** The first line (tap to put it in the input) and 保持联系 (a private tap; shown as kept once both tapped). */
function renderKeep(s: ChatState): void {
  const prompt = byId<HTMLButtonElement>("prompt");
  prompt.hidden = s.prompt === null || s.phase !== "chatting" || s.messages.some((m) => !m.earlier);
  prompt.textContent = s.prompt === null ? "" : t("promptHint", { p: s.prompt });
  const keep = byId<HTMLButtonElement>("keep");
  keep.textContent = t(s.keep === "kept" ? "kept" : s.keep === "pending" ? "keepPending" : "keep");
  // On the end screen the socket is closed: the tap then goes over REST.
  const canTap = s.phase === "chatting" ? s.connected : s.phase === "ended" && s.endReason === "partner_left";
  keep.disabled = s.keep !== "none" || s.roomId === null || !canTap;
  keep.dataset.keep = s.keep;
  byId("kept-note").hidden = s.keep !== "kept";
}

const kept = keptList({
  t: t as (key: string, vars?: Record<string, string | number>) => string,
  open: (chat) => client.openChat(chat.id, chat.partner.alias),
  failed: (err) => toast(codeMessage(err)),
});
let lastPhase: ChatState["phase"] | null = null;
client.subscribe((s) => {
  // Back on the start panel: the list may have changed (kept, ended, new messages).
  if (s.phase === "idle" && lastPhase !== null && lastPhase !== "idle") void kept.refresh();
  lastPhase = s.phase;
});

client.subscribe(render);
client.onNotice((n) => toast(errorText(n.code)));

// Matching needs the one-time 18+ confirmation (POST /api/me/adult); the server keeps only its time.
const adultBox = byId<HTMLInputElement>("adult");
adultBox.checked = sessionStorage.getItem(ADULT_KEY) === "1";
byId("start").addEventListener("click", async () => {
  if (!adultBox.checked) {
    toast(errorText("adult_required"));
    return adultBox.focus();
  }
  try {
    if (sessionStorage.getItem(ADULT_KEY) !== "1") {
      await authedPost("/api/me/adult", { confirmed: true } satisfies AdultRequest);
      sessionStorage.setItem(ADULT_KEY, "1");
    }
    client.start(selectedTopic());
  } catch (err) {
    toast(codeMessage(err));
  }
});
byId("cancel").addEventListener("click", () => client.cancel());
byId("keep").addEventListener("click", () => client.keepInTouch());
byId("prompt").addEventListener("click", () => {
  textEl.value = client.snapshot.prompt ?? "";
  textEl.focus();
});
byId("next").addEventListener("click", () => client.next());
byId("leave").addEventListener("click", () => client.leave());
byId("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  if (client.send(textEl.value)) textEl.value = "";
});
textEl.addEventListener("input", () => client.typing());
byId("report-open").addEventListener("click", () => {
  reportForm.hidden = !reportForm.hidden;
  if (!reportForm.hidden) byId("report-reason").focus();
});
reportForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const category = byId<HTMLSelectElement>("report-category").value as ReportCategory;
  const reason = byId<HTMLInputElement>("report-reason").value.trim();
  const roomId = client.snapshot.roomId;
  if (!roomId) return;
  client.report(category, undefined, reason).catch(async (err: unknown) => {
    // The socket could not carry it (dropped or no answer): report over REST instead.
    const code = err && typeof err === "object" && "code" in err ? String(err.code) : "";
    if (code !== "network" && code !== "timeout") return toast(codeMessage(err));
    try {
      await authedPost("/api/reports", { conversationId: roomId, category, ...(reason ? { reason } : {}) } satisfies ReportRequest);
      client.endBlocked("reported");
    } catch (restErr) {
      toast(codeMessage(restErr));
    }
  });
});
byId("block").addEventListener("click", async () => {
  const roomId = client.snapshot.roomId;
  if (!roomId) return;
  try {
    await authedPost("/api/blocks", { conversationId: roomId });
    client.endBlocked("blocked");
  } catch (err) {
    toast(codeMessage(err));
  }
});

// Back online or back to the tab: reconnect now instead of waiting for the backoff.
window.addEventListener("online", () => client.resume());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") client.resume();
});

void loadTopics();
void kept.refresh();
