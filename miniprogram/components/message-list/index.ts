// The chat transcript: rows from lib/chat-view (time separators, the earlier-chats divider,
// bubbles left/right). It follows new messages only while the reader is at the bottom (or on
// their own send); a reader scrolled up keeps their place and gets an "N 条新消息" pill. Tapping a
// failed message asks the page to retry it; a long press offers 复制 (text), 举报 on the partner's and
// 撤回 on one's own within 2 minutes; a picture opens full screen on tap.
import type { ChatRow } from "../../lib/chat-view";
import { mp, previewImage } from "../../lib/platform";
import { RECALL_WINDOW_MS } from "../../lib/protocol";

/** A soft colour per alias, so the placeholder avatar is stable for one partner. */
function colorFor(alias: string): string {
  const palette = ["#8fb3d9", "#e6a57e", "#9ccc9c", "#c9a0dc", "#e3b866", "#7fc4c4"];
  let h = 0;
  for (let i = 0; i < alias.length; i++) h = (h * 31 + alias.charCodeAt(i)) >>> 0;
  return palette[h % palette.length] as string;
}

/** Where the reader is; per instance, not rendered. */
interface ScrollState {
  atBottom: boolean;
  lastTop: number;
  rowCount: number;
  /** Grows on every jump, so scroll-top always changes and always lands past the end. */
  jumps: number;
}
const scrolls = new WeakMap<object, ScrollState>();
function scrollOf(owner: object): ScrollState {
  let s = scrolls.get(owner);
  if (!s) {
    s = { atBottom: true, lastTop: 0, rowCount: 0, jumps: 0 };
    scrolls.set(owner, s);
  }
  return s;
}

/** Scrolled up by more than this many pixels: the reader has left the bottom. */
const UP_SLOP_PX = 4;

Component({
  properties: {
    rows: { type: Array, value: [] },
    myAvatar: { type: String, value: "" },
    partnerAlias: { type: String, value: "" },
    partnerTyping: { type: Boolean, value: false },
  },
  data: {
    scrollTop: 0,
    unread: 0,
    partnerInitial: "?",
    partnerColor: "#9ab",
  },
  observers: {
    rows(rows: ChatRow[]) {
      const s = scrollOf(this);
      if (rows.length < s.rowCount) {
        // A new chat (or a rebuilt list): start at the bottom again.
        s.rowCount = 0;
        s.atBottom = true;
      }
      const added = rows.slice(s.rowCount).filter((r): r is Extract<ChatRow, { kind: "message" }> => r.kind === "message");
      s.rowCount = rows.length;
      if (s.atBottom || added.some((r) => r.mine)) this.toBottom();
      else if (added.length > 0) this.setData({ unread: this.data.unread + added.length });
    },
    partnerTyping(typing: boolean) {
      if (typing && scrollOf(this).atBottom) this.toBottom();
    },
    partnerAlias(alias: string) {
      // The last character, not the last UTF-16 unit (which would be half an emoji).
      const initial = Array.from(alias).pop() ?? "?";
      this.setData({ partnerInitial: initial, partnerColor: colorFor(alias || "?") });
    },
  },
  methods: {
    toBottom() {
      const s = scrollOf(this);
      s.atBottom = true;
      s.jumps++;
      this.setData({ scrollTop: 1_000_000 + s.jumps, unread: 0 });
    },
    onScroll(e: WechatMiniprogram.ScrollViewScroll) {
      const s = scrollOf(this);
      const top = e.detail?.scrollTop;
      if (typeof top !== "number") return;
      if (top < s.lastTop - UP_SLOP_PX) s.atBottom = false;
      s.lastTop = top;
    },
    onReachBottom() {
      scrollOf(this).atBottom = true;
      if (this.data.unread) this.setData({ unread: 0 });
    },
    onJumpToBottom() {
      this.toBottom();
    },
    /** The view got shorter (the keyboard rose): a reader at the bottom stays at the bottom. */
    keepBottom() {
      if (scrollOf(this).atBottom) this.toBottom();
    },
    onRetry(e: WechatMiniprogram.BaseEvent) {
      const clientId = (e.currentTarget.dataset as { clientId?: string }).clientId;
      if (clientId) this.triggerEvent("retry", { clientId });
    },
    onLongPress(e: WechatMiniprogram.BaseEvent) {
      const { text, id, mine, at } = e.currentTarget.dataset as { text?: string; id?: string; mine?: boolean; at?: number };
      if (typeof text !== "string") return;
      // Only a partner's stored message can be reported; only one's own stored one recalled, in time.
      const items: Array<[string, () => void]> = [];
      if (text) items.push(["复制", () => mp.setClipboardData({ data: text })]);
      if (!mine && id) items.push(["举报", () => this.triggerEvent("reportmessage", { id, text })]);
      if (mine && id && typeof at === "number" && Date.now() - at <= RECALL_WINDOW_MS) items.push(["撤回", () => this.triggerEvent("recall", { id })]);
      if (items.length === 0) return;
      mp.showActionSheet({
        itemList: items.map(([label]) => label),
        success: (res) => items[res.tapIndex]?.[1](),
      });
    },
    onPreview(e: WechatMiniprogram.BaseEvent) {
      const { url } = e.currentTarget.dataset as { url?: string };
      if (!url) return;
      const urls = (this.data.rows as ChatRow[]).flatMap((r) => (r.kind === "message" && r.imageUrl ? [r.imageUrl] : []));
      previewImage(url, urls);
    },
  },
});
