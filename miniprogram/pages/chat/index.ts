// The chat page: log in, wait in the lobby, then chat with the matched partner, who can be
// reported or blocked from here. All protocol work is in ChatClient and Api; this page only maps
// their state to the screen (sending only what changed) and forwards taps. Before the lobby the
// server must have the 18+ confirmation (sent from the phone's); a suspended user gets a screen.
// While waiting, and while the partner is away, a button offers the subscribe-message reminder
// (WeChat opens that prompt only from a tap).
import type { ChatClient, ChatState } from "../../lib/chat-client";
import { buildRows, rowPatch, type ChatRow } from "../../lib/chat-view";
import { PICTURE_TOO_LARGE, codeOf, errorMessage } from "../../lib/errors";
import { gateUrl, targetOf, targetQuery, type ChatTarget } from "../../lib/entry";
import { choosePicture, confirm, guardLeaving, leavePage, mp, onNetworkChange, toast } from "../../lib/platform";
import { ANY_TOPIC, adultConfirmed, firstLogin, loadProfile } from "../../lib/prefs";
import { IMAGE_MAX_BYTES, type CareHotline, type ReportCategory, type SubscribeKind } from "../../lib/protocol";
import { api, consent, createChatClient, storage } from "../../lib/services";

interface PageContext {
  client: ChatClient;
  topic: string | null;
  /** Opened with ?room= (a subscribe message): that conversation, not a new match. */
  room: string | null;
  /** Opened from 我的聊天 (?chat=&alias=): reopen that kept chat instead of joining the lobby. */
  chat: { id: string; alias: string } | null;
  stop: Array<() => void>;
  title: string;
  /** What the screen shows now: the next render sends only what differs. */
  rows: ChatRow[];
  view: Record<string, unknown>;
  guarded: boolean;
}
const contexts = new WeakMap<object, PageContext>();

const END_TEXT: Record<string, string> = {
  partner_left: "对方已离开",
  ended: "聊天已结束",
  replaced: "你已在别处打开聊天",
  reported: "你已举报并屏蔽对方",
  blocked: "你已屏蔽对方",
};

/** Failures retrying cannot fix: a screen of their own, without a retry that would loop. */
const FAILURE_TEXT: Record<string, string> = {
  banned: "账号已被封禁",
  blocked_by_platform: "账号受限，暂时无法使用",
  forbidden: "没有权限进入这个聊天",
  not_found: "聊天不存在或已结束",
  ticket_required: "登录已失效，请稍后重新打开小程序",
  matching_suspended: "匹配已暂停，等待管理员审核",
  adult_required: "请先确认你已年满18周岁",
  chat_ended: "这个聊天已结束",
};

const SUBSCRIBE_OFFER: Record<SubscribeKind, string> = {
  matched: "匹配成功时提醒我",
  reply: "对方回复时提醒我",
};

const LEAVE_WARNING = "离开后对方会看到你已离开，确定离开吗？";

/** The wait's estimate and fallback, the first line and 保持联系, as the screen shows them. */
function waitAndKeepView(state: ChatState): Record<string, unknown> {
  const fresh = !state.messages.some((m) => !m.earlier);
  return {
    estimateText: state.estimateMs === null ? "" : `预计 ${Math.ceil(state.estimateMs / 1000)} 秒内`,
    fallbackText: state.fallback ? "这个话题暂时没人，正在为你匹配任何人" : "",
    // The first line until the chat has begun (a reopened chat has none).
    promptText: state.phase === "chatting" && fresh ? (state.prompt ?? "") : "",
    keep: state.keep,
    // On the end screen the socket is closed: the client then taps over REST.
    canKeep: state.roomId !== null && (state.phase === "ended" ? state.endReason === "partner_left" : state.connected),
  };
}

Component({
  data: {
    screen: "login" as "login" | "waiting" | "chat" | "failed",
    loginError: "",
    failureText: "",
    online: null as number | null,
    bannerText: "",
    /** The care card's lines while shown (components/care-card); null: none. */
    care: null as CareHotline[] | null,
    networkUp: true,
    partnerAlias: "",
    presenceText: "",
    partnerTyping: false,
    rows: [] as ChatRow[],
    myAvatar: "",
    myNickname: "",
    endedText: "",
    canReport: true,
    sheetOpen: false,
    sheetBusy: false,
    /** The partner's message a long-press 举报 is about ("" for a report of the partner). */
    reportMessageId: "",
    reportQuote: "",
    /** The failure can be fixed by confirming 18+ on the profile page. */
    canConfirmAdult: false,
    /** The reminder a button offers now ("" none), and its label. */
    subscribeOffer: "" as SubscribeKind | "",
    subscribeText: "",
    /** The wait's estimate and the topic fallback notice (keep-bar.ts for the chat's own). */
    estimateText: "",
    fallbackText: "",
    promptText: "",
    keep: "none",
    canKeep: false,
  },
  methods: {
    onLoad(query: Record<string, string | undefined> = {}) {
      // Every way in passes the phone's gates first (profile, 18+, rules), keeping where it leads.
      const target: ChatTarget = targetOf(query) ?? { topic: ANY_TOPIC };
      const gate = gateUrl(storage, target);
      if (gate) {
        mp.redirectTo({ url: gate });
        return;
      }
      const raw = "topic" in target ? target.topic : ANY_TOPIC;
      const ctx: PageContext = {
        client: createChatClient(),
        topic: raw === ANY_TOPIC ? null : raw,
        room: "room" in target ? target.room : null,
        chat: "chat" in target ? { id: target.chat, alias: target.alias } : null,
        stop: [],
        title: "",
        rows: [],
        view: {},
        guarded: false,
      };
      contexts.set(this, ctx);
      const profile = loadProfile(storage);
      this.setData({ myAvatar: profile.avatarUrl, myNickname: profile.nickname });
      ctx.stop.push(ctx.client.subscribe((state) => this.render(state)));
      ctx.stop.push(ctx.client.onNotice((n) => toast(n.message)));
      ctx.stop.push(
        onNetworkChange((connected) => {
          this.setData({ networkUp: connected });
          this.render(ctx.client.snapshot);
          ctx.client.networkChanged(connected);
        }),
      );
      return this.login();
    },
    onShow() {
      contexts.get(this)?.client.resume();
    },
    onHide() {
      contexts.get(this)?.client.background();
    },
    onUnload() {
      const ctx = contexts.get(this);
      if (!ctx) return;
      ctx.client.leave();
      for (const stop of ctx.stop) stop();
      guardLeaving(null);
      consent.end("matched");
      consent.end("reply");
      consent.endSession();
      contexts.delete(this);
    },
    async login() {
      const ctx = contexts.get(this);
      if (!ctx) return;
      this.setData({ screen: "login", loginError: "" });
      try {
        const hadSession = api.hasSession();
        await api.token();
        // Once on this phone, the first time ever (not on every entry, expiry or renewal).
        if (firstLogin(storage) && !hadSession) mp.showToast({ title: "登录成功", icon: "success" });
        // Templates for the reminder buttons; matching never waits for them.
        void consent.prepare().then(() => contexts.get(this) === ctx && this.render(ctx.client.snapshot));
        if (ctx.room) return await this.rejoin(ctx);
        await api.ensureMatchable(adultConfirmed(storage));
      } catch (err) {
        const code = codeOf(err, "unknown");
        if (code === "adult_required") return this.onConfirmAdult();
        if (FAILURE_TEXT[code]) this.setData({ screen: "failed", failureText: FAILURE_TEXT[code], canConfirmAdult: false });
        else this.setData({ loginError: errorMessage(code) });
        return;
      }
      if (ctx.chat) ctx.client.openChat(ctx.chat.id, ctx.chat.alias);
      else ctx.client.start(ctx.topic);
    },
    /** The conversation a subscribe message named: resumed with its history, or a screen if it is gone. */
    async rejoin(ctx: PageContext) {
      const room = ctx.room as string;
      const found = await api.conversation(room);
      if (contexts.get(this) !== ctx) return;
      if (!found) {
        this.setData({ screen: "failed", failureText: FAILURE_TEXT.not_found, canConfirmAdult: false });
        return;
      }
      ctx.client.rejoin(room, found.partner.alias);
    },
    onRetryLogin() {
      return this.login();
    },
    /** To the profile page's 年满18周岁 box, which comes back to a match on this topic. */
    onConfirmAdult() {
      const ctx = contexts.get(this);
      const target: ChatTarget = ctx?.room ? { room: ctx.room } : { topic: ctx?.topic ?? ANY_TOPIC };
      mp.redirectTo({ url: `/pages/profile/index?adult=1&${targetQuery(target)}` });
    },
    /** The reminder button: the platform's prompt opens inside this tap; never blocks the chat. */
    onSubscribe() {
      const ctx = contexts.get(this);
      const kind = this.data.subscribeOffer;
      if (!ctx || !kind) return;
      const asked = consent.ask(kind);
      this.render(ctx.client.snapshot);
      return asked.then((accepted) => {
        if (accepted.length > 0) toast(kind === "matched" ? "匹配成功时会提醒你" : "对方回复时会提醒你");
      });
    },
    render(state: ChatState) {
      const ctx = contexts.get(this);
      if (!ctx) return;
      const inRoom = state.roomId !== null;
      const failed = state.phase === "ended" && state.endReason === "failed";
      // Stays on the login screen until the client starts; then the lobby, then the room.
      const screen = failed ? "failed" : inRoom ? "chat" : state.phase === "idle" ? this.data.screen : "waiting";
      const active = state.phase === "connecting" || state.phase === "waiting" || state.phase === "chatting";
      const networkUp = this.data.networkUp;
      // The occasions for a reminder: a wait in the lobby, and an absence of the partner.
      // (Idle keeps the wait that 开始匹配 began, and asked about, on the page before.)
      if (!inRoom && (state.phase === "connecting" || state.phase === "waiting")) consent.begin("matched");
      else if (inRoom || state.phase === "ended") consent.end("matched");
      if (inRoom && state.phase === "chatting" && state.partnerPresence === "offline") consent.begin("reply");
      else consent.end("reply");
      const offer: SubscribeKind | "" =
        screen === "waiting" && consent.canAsk("matched") ? "matched" : screen === "chat" && consent.canAsk("reply") ? "reply" : "";
      // Only a live chat is being reconnected; an ended one just says the network is gone.
      const bannerText = active && (!networkUp || state.reconnecting) ? "网络已断开，正在重新连接…" : !networkUp ? "网络已断开" : "";
      const view: Record<string, unknown> = {
        screen,
        failureText: failed ? (FAILURE_TEXT[state.failure ?? ""] ?? errorMessage(state.failure)) : "",
        canConfirmAdult: failed && state.failure === "adult_required",
        subscribeOffer: offer,
        subscribeText: offer ? SUBSCRIBE_OFFER[offer] : "",
        online: state.online,
        bannerText,
        partnerAlias: state.partnerAlias ?? "",
        // The partner's socket is gone (an app switch, a lock screen or their network): they are away.
        // A network message is only ever about one's own connection (the banner).
        presenceText: state.partnerPresence === "offline" ? "对方暂时离开" : "",
        partnerTyping: state.partnerTyping,
        endedText: state.phase === "ended" && !failed ? (END_TEXT[state.endReason ?? "ended"] ?? "聊天已结束") : "",
        canReport: inRoom && !(state.phase === "ended" && state.endReason === "reported"),
        care: state.care,
        ...waitAndKeepView(state),
      };
      const patch: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(view)) if (ctx.view[key] !== value) patch[key] = value;
      ctx.view = view;
      const rows = buildRows(state.messages, Date.now());
      Object.assign(patch, rowPatch("rows", ctx.rows, rows));
      ctx.rows = rows;
      if (Object.keys(patch).length > 0) this.setData(patch);
      const title = inRoom ? state.partnerAlias ?? "聊天" : "匹配中";
      if (title !== ctx.title) {
        ctx.title = title;
        mp.setNavigationBarTitle({ title });
      }
      // Leaving a live chat by the back button asks first, as 换一个 does.
      const guard = state.phase === "chatting";
      if (guard !== ctx.guarded) {
        ctx.guarded = guard;
        guardLeaving(guard ? LEAVE_WARNING : null);
      }
    },
    /** The first line, tapped: into the input to edit or send. */
    onUsePrompt(e: WechatMiniprogram.CustomEvent<{ text: string }>) {
      (this.selectComponent(".input-bar") as unknown as { fill?(text: string): void } | null)?.fill?.(e.detail.text);
    },
    onKeep() {
      contexts.get(this)?.client.keepInTouch();
    },
    onCancel() {
      contexts.get(this)?.client.cancel();
      leavePage();
    },
    onBack() {
      leavePage();
    },
    async onNext() {
      const ctx = contexts.get(this);
      if (!ctx) return;
      if (ctx.client.snapshot.phase === "chatting") {
        if (!(await confirm("换一个聊天对象？", LEAVE_WARNING, "换一个"))) return;
      } else {
        // A new wait starts within this tap: ask for the match reminder right here.
        consent.end("matched");
        consent.begin("matched");
        void consent.autoAsk("matched");
      }
      ctx.client.next();
    },
    onSend(e: WechatMiniprogram.CustomEvent<{ text: string }>) {
      contexts.get(this)?.client.send(e.detail.text);
    },
    onTyping() {
      contexts.get(this)?.client.typing();
    },
    onKeyboard() {
      (this.selectComponent(".messages") as unknown as { keepBottom?(): void } | null)?.keepBottom?.();
    },
    /** Picks a compressed picture: its bubble shows at once with upload progress; the client uploads and sends it. */
    async onPickImage() {
      const context = contexts.get(this);
      const roomId = context?.client.snapshot.roomId;
      if (!context || !roomId || context.client.snapshot.phase !== "chatting") return;
      const picked = await choosePicture();
      if (!picked) return;
      if (picked.size > IMAGE_MAX_BYTES) return toast(PICTURE_TOO_LARGE);
      context.client.sendPicture(picked.path, (onProgress) => api.uploadImage(roomId, picked.path, onProgress));
    },
    onRecallMessage(e: WechatMiniprogram.CustomEvent<{ id: string }>) {
      contexts.get(this)?.client.recall(e.detail.id);
    },
    onRetryMessage(e: WechatMiniprogram.CustomEvent<{ clientId: string }>) {
      contexts.get(this)?.client.retry(e.detail.clientId);
    },
    onOpenReport() {
      this.setData({ sheetOpen: true, sheetBusy: false, reportMessageId: "", reportQuote: "" });
    },
    onReportMessage(e: WechatMiniprogram.CustomEvent<{ id: string; text: string }>) {
      if (!this.data.canReport) return;
      this.setData({ sheetOpen: true, sheetBusy: false, reportMessageId: e.detail.id, reportQuote: e.detail.text });
    },
    onCloseCare() {
      contexts.get(this)?.client.dismissCare();
    },
    onCloseReport() {
      this.setData({ sheetOpen: false });
    },
    /** Reports on the room socket; when it is not open (or never answers), over REST. */
    onReport(e: WechatMiniprogram.CustomEvent<{ category: ReportCategory }>) {
      const category = e.detail.category;
      const messageId = this.data.reportMessageId || undefined;
      return this.sheetAction("已举报，你们不会再被匹配", async (client, roomId) => {
        try {
          await client.report(category, messageId);
        } catch (err) {
          const code = codeOf(err, "unknown");
          if (code !== "network" && code !== "timeout") throw err;
          await api.report(roomId, category, messageId);
          client.endBlocked("reported");
        }
      });
    },
    /** Blocks without a report (REST only), then leaves the room. */
    onBlock() {
      return this.sheetAction("已屏蔽，你们不会再被匹配", async (client, roomId) => {
        await api.block(roomId);
        client.endBlocked("blocked");
      });
    },
    /** Runs one report or block at a time: the sheet closes with `doneText`, or stays with a toast. */
    async sheetAction(doneText: string, action: (client: ChatClient, roomId: string) => Promise<void>) {
      const ctx = contexts.get(this);
      const roomId = ctx?.client.snapshot.roomId;
      if (!ctx || !roomId || this.data.sheetBusy) return;
      this.setData({ sheetBusy: true });
      try {
        await action(ctx.client, roomId);
        this.setData({ sheetOpen: false, sheetBusy: false });
        toast(doneText);
      } catch (err) {
        this.setData({ sheetBusy: false });
        toast(errorMessage(codeOf(err, "unknown")));
      }
    },
  },
});
