// The input bar: a text field and a send button. It emits `send` with the text (and clears
// itself) and `typing` as the user types; the page decides what reaches the server.
import { TEXT_MAX } from "../../lib/protocol";

Component({
  properties: {
    disabled: { type: Boolean, value: false },
    disabledHint: { type: String, value: "" },
  },
  data: {
    value: "",
    maxLength: TEXT_MAX,
  },
  methods: {
    onInput(e: WechatMiniprogram.Input) {
      this.setData({ value: e.detail.value });
      if (e.detail.value) this.triggerEvent("typing", {});
    },
    onSend() {
      const text = this.data.value.trim();
      if (!text || this.data.disabled) return;
      this.setData({ value: "" });
      this.triggerEvent("send", { text });
    },
  },
});
