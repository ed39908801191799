// 社区规范: the few rules an anonymous chat needs, accepted once before the first match (and
// again when RULES_VERSION changes). Opened with ?topic= on the way to a match, it continues
// to the chat after 同意; opened from the topics page, it only shows them.
import { mp } from "../../lib/platform";
import { acceptRules, rulesAccepted } from "../../lib/prefs";
import { consent, storage } from "../../lib/services";

const nextTopic = new WeakMap<object, string | null>();

Component({
  data: {
    accepted: false,
    continuing: false,
  },
  methods: {
    onLoad(query: Record<string, string | undefined> = {}) {
      const topic = query.topic ? decodeURIComponent(query.topic) : null;
      nextTopic.set(this, topic);
      this.setData({ accepted: rulesAccepted(storage), continuing: topic !== null });
    },
    onAccept() {
      acceptRules(storage);
      this.setData({ accepted: true });
      const topic = nextTopic.get(this);
      if (topic) {
        // A wait starts with this tap: the match reminder can be asked for here.
        consent.begin("matched");
        void consent.ask("matched");
      }
      if (topic) mp.redirectTo({ url: `/pages/chat/index?topic=${encodeURIComponent(topic)}` });
      else mp.navigateBack({ delta: 1 });
    },
    onBack() {
      mp.navigateBack({ delta: 1 });
    },
  },
});
