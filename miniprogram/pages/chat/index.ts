// The chat page: log in, wait in the lobby, then chat with the matched partner, who can be
// reported or blocked from here. All protocol work is in ChatClient and Api; this page only maps
// their state to the screen (sending only what changed) and forwards taps.
import type { ChatClient, ChatState } from "../../lib/chat-client";
import { buildRows, rowPatch, type ChatRow } from "../../lib/chat-view";
import { errorMessage } from "../../lib/errors";
import { confirm, guardLeaving, mp, onNetworkChange, toast } from "../../lib/platform";
import { ANY_TOPIC, loadProfile } from "../../lib/prefs";
import { api, createChatClient, storage } from "../../lib/services";

interface PageContext {
  client: ChatClient;
  topic: string | null;
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
};

const LEAVE_WARNING = "离开后对方会看到你已离开，确定离开吗？";

function codeOf(err: unknown): string {
  const code = err && typeof err === "object" && "code" in err ? (err as { code: unknown }).code : null;
  return typeof code === "string" ? code : "unknown";
}

Component({
  data: {
    screen: "login" as "login" | "waiting" | "chat" | "failed",
    loginError: "",
    failureText: "",
    online: null as number | null,
    bannerText: "",
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
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const raw = query.topic ? decodeURIComponent(query.topic) : ANY_TOPIC;
      const ctx: PageContext = {
        client: createChatClient(),
        topic: raw === ANY_TOPIC ? null : raw,
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
          if (connected) ctx.client.resume();
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
      contexts.delete(this);
    },
    async login() {
      const ctx = contexts.get(this);
      if (!ctx) return;
      this.setData({ screen: "login", loginError: "" });
      try {
        const hadSession = api.hasSession();
        await api.token();
        if (!hadSession) mp.showToast({ title: "登录成功", icon: "success" });
      } catch (err) {
        const code = codeOf(err);
        if (FAILURE_TEXT[code]) this.setData({ screen: "failed", failureText: FAILURE_TEXT[code] });
        else this.setData({ loginError: errorMessage(code) });
        return;
      }
      ctx.client.start(ctx.topic);
    },
    onRetryLogin() {
      return this.login();
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
      // Only a live chat is being reconnected; an ended one just says the network is gone.
      const bannerText = active && (!networkUp || state.reconnecting) ? "网络已断开，正在重新连接…" : !networkUp ? "网络已断开" : "";
      const view: Record<string, unknown> = {
        screen,
        failureText: failed ? (FAILURE_TEXT[state.failure ?? ""] ?? errorMessage(state.failure)) : "",
        online: state.online,
        bannerText,
        partnerAlias: state.partnerAlias ?? "",
        presenceText: state.partnerPresence === "offline" ? "对方网络不稳定" : "",
        partnerTyping: state.partnerTyping,
        endedText: state.phase === "ended" && !failed ? (END_TEXT[state.endReason ?? "ended"] ?? "聊天已结束") : "",
        canReport: inRoom && !(state.phase === "ended" && state.endReason === "reported"),
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
    onCancel() {
      contexts.get(this)?.client.cancel();
      mp.navigateBack({ delta: 1 });
    },
    onBack() {
      mp.navigateBack({ delta: 1 });
    },
    async onNext() {
      const ctx = contexts.get(this);
      if (!ctx) return;
      if (ctx.client.snapshot.phase === "chatting" && !(await confirm("换一个聊天对象？", LEAVE_WARNING, "换一个"))) return;
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
    onCloseReport() {
      this.setData({ sheetOpen: false });
    },
    /** Reports on the room socket; when it is not open (or never answers), over REST. */
    async onReport(e: WechatMiniprogram.CustomEvent<{ reason: string }>) {
      const ctx = contexts.get(this);
      const roomId = ctx?.client.snapshot.roomId;
      if (!ctx || !roomId || this.data.sheetBusy) return;
      const reason = e.detail.reason;
      const messageId = this.data.reportMessageId || undefined;
      this.setData({ sheetBusy: true });
      try {
        try {
          await ctx.client.report(reason, messageId);
        } catch (err) {
          const code = codeOf(err);
          if (code !== "network" && code !== "timeout") throw err;
          await api.report(roomId, reason, messageId);
          ctx.client.endBlocked("reported");
        }
        this.setData({ sheetOpen: false, sheetBusy: false });
        toast("已举报，你们不会再被匹配");
      } catch (err) {
        this.setData({ sheetBusy: false });
        toast(errorMessage(codeOf(err)));
      }
    },
    /** Blocks without a report (REST only), then leaves the room. */
    async onBlock() {
      const ctx = contexts.get(this);
      const roomId = ctx?.client.snapshot.roomId;
      if (!ctx || !roomId || this.data.sheetBusy) return;
      this.setData({ sheetBusy: true });
      try {
        await api.block(roomId);
        ctx.client.endBlocked("blocked");
        this.setData({ sheetOpen: false, sheetBusy: false });
        toast("已屏蔽，你们不会再被匹配");
      } catch (err) {
        this.setData({ sheetBusy: false });
        toast(errorMessage(codeOf(err)));
      }
    },
  },
});
