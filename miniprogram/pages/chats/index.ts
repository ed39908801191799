// 我的聊天: the chats both people chose to keep (保持联系), newest first, with the partner's alias,
// the last message time and the unread count. A tap reopens the chat with its history; 结束
// ends it for both (after asking).
import { timeLabel } from "../../lib/chat-view";
import { codeOf, errorMessage } from "../../lib/errors";
import { confirm, mp, toast } from "../../lib/platform";
import { api } from "../../lib/services";

interface Row {
  id: string;
  alias: string;
  when: string;
  unread: number;
}

Component({
  data: {
    chats: [] as Row[],
    loading: true,
    error: "",
  },
  methods: {
    onShow() {
      return this.load();
    },
    async load() {
      this.setData({ loading: this.data.chats.length === 0, error: "" });
      try {
        const now = Date.now();
        const chats = (await api.chats()).map((c) => ({
          id: c.id,
          alias: c.partner.alias,
          when: c.lastMessageAt === null ? "还没有消息" : timeLabel(c.lastMessageAt, now),
          unread: c.unread,
        }));
        this.setData({ chats, loading: false });
      } catch (err) {
        this.setData({ loading: false, error: errorMessage(codeOf(err, "unknown")) });
      }
    },
    onOpen(e: WechatMiniprogram.BaseEvent) {
      const { id, alias } = e.currentTarget.dataset as { id?: string; alias?: string };
      if (!id) return;
      mp.navigateTo({ url: `/pages/chat/index?chat=${encodeURIComponent(id)}&alias=${encodeURIComponent(alias ?? "")}` });
    },
    async onEnd(e: WechatMiniprogram.BaseEvent) {
      const { id, alias } = e.currentTarget.dataset as { id?: string; alias?: string };
      if (!id) return;
      if (!(await confirm("结束这个聊天？", `结束后你和${alias ?? "对方"}都无法再在这里继续聊天。`, "结束"))) return;
      try {
        await api.endChat(id);
        toast("已结束");
      } catch (err) {
        toast(errorMessage(codeOf(err, "unknown")));
      }
      return this.load();
    },
  },
});
