// The complaint sheet WeChat's review asks for: pick a reason to report the partner, or just
// block them. It only emits `report` (with the reason), `block` and `close`; the page sends.
import { REPORT_REASON_MINOR } from "../../lib/protocol";

/** The reasons offered; the text itself is what the server stores (疑似未成年 is reviewed first). */
export const REPORT_REASONS = ["骚扰/辱骂", "色情低俗", REPORT_REASON_MINOR, "广告/诈骗", "其他"] as const;

Component({
  properties: {
    show: { type: Boolean, value: false },
    /** A report or block is on its way: taps are ignored until it settles. */
    busy: { type: Boolean, value: false },
    /** The partner's message being reported (long-press 举报), shown so the user sees which. */
    quote: { type: String, value: "" },
  },
  data: {
    reasons: REPORT_REASONS as readonly string[],
  },
  methods: {
    onReason(e: WechatMiniprogram.TouchEvent<Record<string, never>, { reason: string }>) {
      if (this.data.busy) return;
      this.triggerEvent("report", { reason: e.currentTarget.dataset.reason });
    },
    onBlock() {
      if (this.data.busy) return;
      this.triggerEvent("block", {});
    },
    onClose() {
      if (this.data.busy) return;
      this.triggerEvent("close", {});
    },
    /** Taps inside the panel must not reach the mask behind it. */
    noop() {},
  },
});
