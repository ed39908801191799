// The chat transcript: rows from lib/chat-view (time separators, the earlier-chats divider,
// bubbles left/right), scrolled to the bottom whenever rows change. Tapping a failed
// message asks the page to retry it.

/** A soft colour per alias, so the placeholder avatar is stable for one partner. */
function colorFor(alias: string): string {
  const palette = ["#8fb3d9", "#e6a57e", "#9ccc9c", "#c9a0dc", "#e3b866", "#7fc4c4"];
  let h = 0;
  for (let i = 0; i < alias.length; i++) h = (h * 31 + alias.charCodeAt(i)) >>> 0;
  return palette[h % palette.length] as string;
}

Component({
  properties: {
    rows: { type: Array, value: [] },
    myAvatar: { type: String, value: "" },
    partnerAlias: { type: String, value: "" },
    partnerTyping: { type: Boolean, value: false },
  },
  data: {
    scrollTop: 0,
    partnerInitial: "?",
    partnerColor: "#9ab",
  },
  observers: {
    "rows, partnerTyping"(rows: unknown[]) {
      // A growing number always lands past the end, which scrolls to the latest message.
      this.setData({ scrollTop: 100_000 + rows.length * 1000 + (this.data.partnerTyping ? 1 : 0) });
    },
    partnerAlias(alias: string) {
      this.setData({ partnerInitial: alias ? alias.slice(-1) : "?", partnerColor: colorFor(alias || "?") });
    },
  },
  methods: {
    onRetry(e: WechatMiniprogram.BaseEvent) {
      const clientId = (e.currentTarget.dataset as { clientId?: string }).clientId;
      if (clientId) this.triggerEvent("retry", { clientId });
    },
  },
});
