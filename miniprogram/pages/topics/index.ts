// The start page: the curated topics as cards plus "随便聊聊"; the choice is remembered on the
// phone. A first launch goes to the profile first; the first match waits for the 社区规范, and
// an install from before the age gate confirms 年满18周岁 first. 开始匹配 is the tap in which
// the "匹配成功" reminder can be asked for (templates fetched on load when already logged in).
import { errorMessage } from "../../lib/errors";
import { mp } from "../../lib/platform";
import { ANY_TOPIC, adultConfirmed, hasProfile, loadTopicChoice, rulesAccepted, saveTopicChoice } from "../../lib/prefs";
import type { Topic } from "../../lib/protocol";
import { api, consent, storage } from "../../lib/services";

Component({
  data: {
    topics: [] as Topic[],
    selected: ANY_TOPIC,
    anyId: ANY_TOPIC,
    loading: false,
    error: "",
  },
  methods: {
    onLoad() {
      if (!hasProfile(storage)) {
        mp.redirectTo({ url: "/pages/profile/index?first=1" });
        return;
      }
      this.setData({ selected: loadTopicChoice(storage) });
      if (api.hasSession()) void consent.prepare();
      return this.loadTopics();
    },
    async loadTopics() {
      this.setData({ loading: true, error: "" });
      try {
        const topics = await api.topics();
        // A remembered topic that no longer exists falls back to "any".
        const selected = topics.some((t) => t.id === this.data.selected) ? this.data.selected : ANY_TOPIC;
        this.setData({ topics, selected, loading: false });
      } catch (err) {
        this.setData({ loading: false, error: errorMessage((err as { code?: string }).code) });
      }
    },
    onPick(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      if (!id) return;
      this.setData({ selected: id });
      saveTopicChoice(storage, id);
    },
    onEditProfile() {
      mp.navigateTo({ url: "/pages/profile/index" });
    },
    /** 我的聊天: the chats kept with 保持联系. */
    onChats() {
      mp.navigateTo({ url: "/pages/chats/index" });
    },
    onRules() {
      mp.navigateTo({ url: "/pages/rules/index" });
    },
    onContinue() {
      saveTopicChoice(storage, this.data.selected);
      const topic = encodeURIComponent(this.data.selected);
      if (!adultConfirmed(storage)) {
        mp.navigateTo({ url: `/pages/profile/index?adult=1&topic=${topic}` });
        return;
      }
      // A wait starts: ask for the match reminder inside this tap (never waited on).
      consent.begin("matched");
      void consent.autoAsk("matched");
      // The first match waits for the community rules; they then continue to the chat.
      mp.navigateTo({ url: rulesAccepted(storage) ? `/pages/chat/index?topic=${topic}` : `/pages/rules/index?topic=${topic}` });
    },
  },
});
