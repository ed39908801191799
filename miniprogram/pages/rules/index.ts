// 社区规范: the few rules an anonymous chat needs, accepted once before the first match (and
// again when RULES_VERSION changes). Opened with ?topic= on the way to a match, it continues
// to the chat after 同意; opened from the topics page, it only shows them.
import { nextUrl, targetOf, type ChatTarget } from "../../lib/entry";
import { leavePage, mp } from "../../lib/platform";
import { acceptRules, rulesAccepted } from "../../lib/prefs";
import { consent, storage } from "../../lib/services";

const nextTarget = new WeakMap<object, ChatTarget | null>();

Component({
  data: {
    accepted: false,
    continuing: false,
  },
  methods: {
    onLoad(query: Record<string, string | undefined> = {}) {
      const target = targetOf(query);
      nextTarget.set(this, target);
      this.setData({ accepted: rulesAccepted(storage), continuing: target !== null });
    },
    onAccept() {
      acceptRules(storage);
      this.setData({ accepted: true });
      const target = nextTarget.get(this);
      if (target && "topic" in target) {
        // A wait starts with this tap: the match reminder can be asked for here.
        consent.begin("matched");
        void consent.autoAsk("matched");
      }
      if (target) mp.redirectTo({ url: nextUrl(storage, target) });
      else leavePage();
    },
    onBack() {
      leavePage();
    },
  },
});
