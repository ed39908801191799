// The complaint sheet WeChat's review asks for: pick a category to report the partner, or just
// block them. It only emits `report` (with the category), `block` and `close`; the page sends.
import { REPORT_REASON_MINOR, type ReportCategory } from "../../lib/protocol";

/** The categories offered, as the sheet labels them (疑似未成年 is reviewed first). */
export const REPORT_OPTIONS: readonly { category: ReportCategory; label: string }[] = [
  { category: "harassment", label: "骚扰/辱骂" },
  { category: "sexual", label: "色情低俗" },
  { category: "minor", label: REPORT_REASON_MINOR },
  { category: "fraud", label: "广告/诈骗" },
  { category: "other", label: "其他" },
];

Component({
  properties: {
    show: { type: Boolean, value: false },
    /** A report or block is on its way: taps are ignored until it settles. */
    busy: { type: Boolean, value: false },
    /** The partner's message being reported (long-press 举报), shown so the user sees which. */
    quote: { type: String, value: "" },
  },
  data: {
    options: REPORT_OPTIONS,
  },
  methods: {
    onReason(e: WechatMiniprogram.TouchEvent<Record<string, never>, { category: ReportCategory }>) {
      if (this.data.busy) return;
      this.triggerEvent("report", { category: e.currentTarget.dataset.category });
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
