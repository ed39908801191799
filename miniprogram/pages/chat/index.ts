// The chat page: log in, wait in the lobby, then chat with the matched partner, who can be
// reported or blocked from here. All protocol work is in ChatClient and Api; this page only maps
// their state to the screen and forwards taps.
import type { ChatClient, ChatState } from "../../lib/chat-client";
import { buildRows, type ChatRow } from "../../lib/chat-view";
import { errorMessage } from "../../lib/errors";
import { mp, onNetworkChange, toast } from "../../lib/platform";
import { ANY_TOPIC, loadProfile } from "../../lib/prefs";
import { api, createChatClient, storage } from "../../lib/services";

interface PageContext {
  client: ChatClient;
  topic: string | null;
  stop: Array<() => void>;
  title: string;
}
const contexts = new WeakMap<object, PageContext>();

const END_TEXT: Record<string, string> = {
  partner_left: "对方已离开",
  ended: "聊天已结束",
  replaced: "你已在别处打开聊天",
  reported: "你已举报并屏蔽对方",
  blocked: "你已屏蔽对方",
};

function codeOf(err: unknown): string {
  const code = err && typeof err === "object" && "code" in err ? (err as { code: unknown }).code : null;
  return typeof code === "string" ? code : "unknown";
}

Component({
  data: {
    screen: "login" as "login" | "waiting" | "chat",
    loginError: "",
    online: null as number | null,
    offline: false,
    networkUp: true,
    partnerAlias: "",
    presenceText: "",
    partnerTyping: false,
    rows: [] as ChatRow[],
    myAvatar: "",
    endedText: "",
    canReport: true,
    sheetOpen: false,
    sheetBusy: false,
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const raw = query.topic ? decodeURIComponent(query.topic) : ANY_TOPIC;
      const ctx: PageContext = { client: createChatClient(), topic: raw === ANY_TOPIC ? null : raw, stop: [], title: "" };
      contexts.set(this, ctx);
      this.setData({ myAvatar: loadProfile(storage).avatarUrl });
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
    onUnload() {
      const ctx = contexts.get(this);
      if (!ctx) return;
      ctx.client.leave();
      for (const stop of ctx.stop) stop();
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
        this.setData({ loginError: errorMessage((err as { code?: string }).code) });
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
      // Stays on the login screen until the client starts; then the lobby, then the room.
      const screen = inRoom ? "chat" : state.phase === "idle" ? this.data.screen : "waiting";
      const active = state.phase === "connecting" || state.phase === "waiting" || state.phase === "chatting";
      const presenceText = state.partnerTyping ? "对方正在输入…" : state.partnerPresence === "offline" ? "对方网络不稳定" : "";
      this.setData({
        screen,
        online: state.online,
        offline: !this.data.networkUp || (active && state.reconnecting),
        partnerAlias: state.partnerAlias ?? "",
        presenceText,
        partnerTyping: state.partnerTyping,
        rows: buildRows(state.messages, Date.now()),
        endedText: state.phase === "ended" ? (END_TEXT[state.endReason ?? "ended"] ?? "聊天已结束") : "",
        canReport: inRoom && !(state.phase === "ended" && state.endReason === "reported"),
      });
      const title = inRoom ? state.partnerAlias ?? "聊天" : "匹配中";
      if (title !== ctx.title) {
        ctx.title = title;
        mp.setNavigationBarTitle({ title });
      }
    },
    onCancel() {
      contexts.get(this)?.client.cancel();
      mp.navigateBack({ delta: 1 });
    },
    onNext() {
      contexts.get(this)?.client.next();
    },
    onSend(e: WechatMiniprogram.CustomEvent<{ text: string }>) {
      contexts.get(this)?.client.send(e.detail.text);
    },
    onTyping() {
      contexts.get(this)?.client.typing();
    },
    onRetryMessage(e: WechatMiniprogram.CustomEvent<{ clientId: string }>) {
      contexts.get(this)?.client.retry(e.detail.clientId);
    },
    onOpenReport() {
      this.setData({ sheetOpen: true, sheetBusy: false });
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
      this.setData({ sheetBusy: true });
      try {
        try {
          await ctx.client.report(reason);
        } catch (err) {
          const code = codeOf(err);
          if (code !== "network" && code !== "timeout") throw err;
          await api.report(roomId, reason);
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
