// The care card: help lines shown to the person who wrote words of self-harm (the server sends it
// to them alone). Calm, closable, and each line one tap to call. It only emits `close`.
import type { CareHotline } from "../../lib/protocol";
import { callPhone } from "../../lib/platform";

Component({
  properties: {
    /** The server's lines: 全国心理援助热线 12356 first, then the operator's. */
    hotlines: { type: Array, value: [] as CareHotline[] },
  },
  methods: {
    onCall(e: WechatMiniprogram.TouchEvent<Record<string, never>, { phone: string }>) {
      callPhone(e.currentTarget.dataset.phone);
    },
    onClose() {
      this.triggerEvent("close", {});
    },
  },
});
