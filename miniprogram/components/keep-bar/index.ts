// Under the chat header: the match's first line (tap to put it in the input) and 保持联系, a
// private tap the partner never sees unless they tap too. It only emits `useprompt` (with the
// text) and `keep`; the page talks to the client.
export const KEEP_LABEL = { none: "保持联系", pending: "已请求保持联系", kept: "已保持联系" } as const;
export const KEPT_NOTE = "你们互相保持联系了，可以在「我的聊天」里找到这个聊天";

Component({
  properties: {
    /** The first line both people got ("" hides it). */
    prompt: { type: String, value: "" },
    /** "none" | "pending" | "kept". */
    keep: { type: String, value: "none" },
    /** The room socket is open: a tap can go now. */
    canKeep: { type: Boolean, value: false },
  },
  data: {
    labels: KEEP_LABEL as Record<string, string>,
    keptNote: KEPT_NOTE,
  },
  methods: {
    onPrompt() {
      if (this.data.prompt) this.triggerEvent("useprompt", { text: this.data.prompt });
    },
    onKeep() {
      if (this.data.canKeep && this.data.keep === "none") this.triggerEvent("keep", {});
    },
  },
});
