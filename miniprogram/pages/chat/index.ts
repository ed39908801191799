// The chat page: log in, wait in the lobby, then chat with the matched partner. All protocol
// work is in ChatClient; this page only maps its state to the screen and forwards taps.
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
};

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
  },
});
