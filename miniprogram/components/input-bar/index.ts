// The input bar, like WeChat's: a multi-line field that grows to about four lines, 发送 that keeps
// the keyboard up, an emoji panel that inserts at the cursor, and a counter near the limit
// (code points, as the server counts) instead of silently cutting the text. It lifts itself by
// the keyboard's height, so the page keeps its header on screen (adjust-position is off). It
// emits `send` with the text (and clears itself), `typing`, and `keyboard` with the height.
import { TEXT_MAX, textLength } from "../../lib/protocol";

/** The counter shows once this many characters are left. */
export const COUNTER_FROM = TEXT_MAX - 100;

/** Common emoji, one code point each where possible, as WeChat's panel offers. */
export const EMOJI = [
  "😀", "😂", "🤣", "😊", "😍", "😘", "😎", "🤔", "😅", "😭", "😡", "😳",
  "😴", "🙄", "😏", "😉", "🥺", "😱", "🤗", "🤭", "😬", "🙃", "😇", "🥳",
  "👍", "👎", "👏", "🙏", "💪", "👌", "✌", "🤝", "👋", "🌹", "💔", "❤",
  "🎉", "🔥", "✨", "🌙", "☀", "🍺", "☕", "🍰", "🐶", "🐱", "💤", "💯",
];

/** The field's value with its cursor and counter state. */
function valueData(value: string, cursor: number) {
  const length = textLength(value.trim());
  return { value, cursor, length, showCounter: length >= COUNTER_FROM, tooLong: length > TEXT_MAX };
}

Component({
  properties: {
    disabled: { type: Boolean, value: false },
    disabledHint: { type: String, value: "" },
  },
  data: {
    value: "",
    /** Where the next emoji goes (UTF-16 index, as the textarea reports it). */
    cursor: -1,
    focus: false,
    emojiOpen: false,
    emoji: EMOJI,
    keyboardHeight: 0,
    length: 0,
    showCounter: false,
    tooLong: false,
    max: TEXT_MAX,
  },
  methods: {
    onInput(e: WechatMiniprogram.Input) {
      const value = e.detail.value;
      this.setData(valueData(value, e.detail.cursor ?? value.length));
      if (value) this.triggerEvent("typing", {});
    },
    onFocus() {
      this.setData({ emojiOpen: false, focus: true });
    },
    onBlur(e: WechatMiniprogram.CustomEvent<{ cursor?: number }>) {
      const cursor = e.detail?.cursor;
      this.setData({ focus: false, ...(typeof cursor === "number" ? { cursor } : {}) });
    },
    onKeyboardHeight(e: WechatMiniprogram.CustomEvent<{ height: number }>) {
      const height = Math.max(0, Math.round(e.detail.height || 0));
      if (height === this.data.keyboardHeight) return;
      this.setData({ keyboardHeight: height });
      this.triggerEvent("keyboard", { height });
    },
    onToggleEmoji() {
      if (this.data.disabled) return;
      const open = !this.data.emojiOpen;
      // The panel takes the keyboard's place, as in WeChat.
      this.setData({ emojiOpen: open, focus: !open, keyboardHeight: open ? 0 : this.data.keyboardHeight });
      // The bar grew (or shrank): the page keeps the newest message in view, as for the keyboard.
      this.triggerEvent("keyboard", { height: this.data.keyboardHeight, emoji: open });
    },
    onEmoji(e: WechatMiniprogram.BaseEvent) {
      const emoji = (e.currentTarget.dataset as { emoji?: string }).emoji;
      if (!emoji || this.data.disabled) return;
      const { value } = this.data;
      const at = this.data.cursor < 0 || this.data.cursor > value.length ? value.length : this.data.cursor;
      const next = value.slice(0, at) + emoji + value.slice(at);
      this.setData(valueData(next, at + emoji.length));
      this.triggerEvent("typing", {});
    },
    onSend() {
      const text = this.data.value.trim();
      if (!text || this.data.disabled || this.data.tooLong) return;
      this.setData(valueData("", 0));
      this.triggerEvent("send", { text });
    },
    /** Puts `text` in the field (the match's first line, tapped), ready to edit or send. */
    fill(text: string) {
      if (this.data.disabled) return;
      this.setData({ ...valueData(text, text.length), emojiOpen: false, focus: true });
    },
    /** The picture button: the page picks, uploads and sends it. */
    onPickImage() {
      if (!this.data.disabled) this.triggerEvent("image", {});
    },
  },
});
