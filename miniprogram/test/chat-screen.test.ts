// The chat screen as a WeChat user expects it, under miniprogram-simulate: the input bar, the
// emoji panel, long-press menus, staying in place while scrolled up, confirmations before ending
// a chat, a single typing indicator, honest banners, failure screens and small setData calls.
import { describe, expect, it, vi } from "vitest";
import { chatInRoom, on, text } from "./screen";
import { usePages } from "./simulate";

const pages = usePages(5);
const { mount, settle } = pages;
const row = (key: string, mine: boolean, body: string, id = `m-${key}`) => ({
  kind: "message",
  key,
  mine,
  text: body,
  status: "sent",
  clientId: "",
  error: "",
  retryable: false,
  id,
});

describe("input bar", () => {
  it("shows a counter near the limit, counting emoji once, and refuses to send past it instead of cutting", async () => {
    const bar = mount("components/input-bar/index");
    const sent: string[] = [];
    on(bar, "send", (e) => sent.push(e.detail.text));
    const input = bar.querySelector(".input")!;
    input.dispatchEvent("input", { detail: { value: "好".repeat(800), cursor: 800 } });
    await pages.simulate.sleep(0);
    expect(bar.dom!.querySelector(".main--counter")).toBeNull();
    input.dispatchEvent("input", { detail: { value: "😀".repeat(950), cursor: 1900 } });
    await pages.simulate.sleep(0);
    expect(bar.dom!.querySelector(".main--counter")?.textContent).toBe("950/1000");
    input.dispatchEvent("input", { detail: { value: "😀".repeat(1001), cursor: 2002 } });
    await pages.simulate.sleep(0);
    expect(bar.dom!.querySelector(".main--counter.main--over")?.textContent).toBe("1001/1000");
    bar.querySelector(".send")!.dispatchEvent("tap");
    input.dispatchEvent("confirm", {});
    await pages.simulate.sleep(0);
    expect(sent).toEqual([]);
    // Nothing was cut off: the text is all still there to edit.
    expect(bar.data.value).toBe("😀".repeat(1001));
  });

  it("opens an emoji panel whose emoji go in at the cursor", async () => {
    const bar = mount("components/input-bar/index");
    const input = bar.querySelector(".input")!;
    input.dispatchEvent("input", { detail: { value: "晚安", cursor: 1 } });
    await pages.simulate.sleep(0);
    expect(bar.dom!.querySelector(".main--emoji-panel")).toBeNull();
    bar.querySelector(".emoji-btn")!.dispatchEvent("tap");
    await pages.simulate.sleep(0);
    const emoji = bar.querySelectorAll(".emoji");
    expect(emoji.length).toBeGreaterThanOrEqual(24);
    emoji[0]!.dispatchEvent("tap");
    await pages.simulate.sleep(0);
    expect(bar.data.value).toBe("晚😀安");
    emoji[1]!.dispatchEvent("tap");
    await pages.simulate.sleep(0);
    expect(bar.data.value).toBe("晚😀😂安");
  });

  it("lifts itself by the keyboard's height (the page does not shift) and tells the page", async () => {
    const bar = mount("components/input-bar/index");
    const heights: number[] = [];
    on(bar, "keyboard", (e) => heights.push(e.detail.height));
    bar.querySelector(".input")!.dispatchEvent("keyboardheightchange", { detail: { height: 300, duration: 0.2 } });
    await pages.simulate.sleep(0);
    expect((bar.dom!.querySelector(".main--bar") as HTMLElement).getAttribute("style")).toContain("padding-bottom: 300px");
    bar.querySelector(".input")!.dispatchEvent("keyboardheightchange", { detail: { height: 0, duration: 0.2 } });
    await pages.simulate.sleep(0);
    expect(heights).toEqual([300, 0]);
  });

  it("is a multi-line field that keeps the keyboard up on 发送 and sends on the keyboard's send key", async () => {
    const bar = mount("components/input-bar/index");
    const field = bar.dom!.querySelector(".main--input") as HTMLElement;
    expect(field.tagName.toLowerCase()).toBe("wx-textarea");
    const sent: string[] = [];
    on(bar, "send", (e) => sent.push(e.detail.text));
    bar.querySelector(".input")!.dispatchEvent("input", { detail: { value: "第一行\n第二行", cursor: 7 } });
    await pages.simulate.sleep(0);
    bar.querySelector(".input")!.dispatchEvent("confirm", {});
    await pages.simulate.sleep(0);
    expect(sent).toEqual(["第一行\n第二行"]);
  });
});

describe("message list", () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => row(`k${i}`, false, `消息${i}`));

  it("follows new messages at the bottom, but keeps a reader who scrolled up in place with an N 条新消息 pill", async () => {
    const list = mount("components/message-list/index", { rows: rows(3) });
    await pages.simulate.sleep(0);
    const first = list.data.scrollTop;
    list.setData({ rows: rows(4) });
    await pages.simulate.sleep(0);
    expect(list.data.scrollTop).toBeGreaterThan(first);
    // The reader scrolls up.
    const scroller = list.querySelector(".list")!;
    scroller.dispatchEvent("scroll", { detail: { scrollTop: 900, scrollHeight: 2000 } });
    await pages.simulate.sleep(0);
    scroller.dispatchEvent("scroll", { detail: { scrollTop: 400, scrollHeight: 2000 } });
    await pages.simulate.sleep(0);
    const kept = list.data.scrollTop;
    list.setData({ rows: rows(6) });
    await pages.simulate.sleep(0);
    expect(list.data.scrollTop).toBe(kept);
    expect(list.dom!.querySelector(".main--new-pill")?.textContent).toBe("2 条新消息");
    list.querySelector(".new-pill")!.dispatchEvent("tap");
    await pages.simulate.sleep(0);
    expect(list.data.scrollTop).toBeGreaterThan(kept);
    expect(list.dom!.querySelector(".main--new-pill")).toBeNull();
  });

  it("scrolls down on one's own send even when scrolled up", async () => {
    const list = mount("components/message-list/index", { rows: rows(3) });
    await pages.simulate.sleep(0);
    const scroller = list.querySelector(".list")!;
    scroller.dispatchEvent("scroll", { detail: { scrollTop: 900 } });
    await pages.simulate.sleep(0);
    scroller.dispatchEvent("scroll", { detail: { scrollTop: 100 } });
    await pages.simulate.sleep(0);
    const kept = list.data.scrollTop;
    list.setData({ rows: [...rows(3), row("mine", true, "我说的")] });
    await pages.simulate.sleep(0);
    expect(list.data.scrollTop).toBeGreaterThan(kept);
    expect(list.data.unread).toBe(0);
  });

  it("offers 复制 on a long press, and 举报 only on the partner's messages", async () => {
    const list = mount("components/message-list/index", { rows: [row("a", false, "你好呀"), row("b", true, "嗯嗯")] });
    await pages.simulate.sleep(0);
    const reports: unknown[] = [];
    on(list, "reportmessage", (e) => reports.push(e.detail));
    const bubbles = list.querySelectorAll(".bubble");
    pages.fake.actionSheetTap = 0;
    bubbles[0]!.dispatchEvent("longpress");
    await settle();
    expect(pages.fake.clipboard).toEqual(["你好呀"]);
    pages.fake.actionSheetTap = 1;
    bubbles[0]!.dispatchEvent("longpress");
    await settle();
    expect(reports).toEqual([{ id: "m-a", text: "你好呀" }]);
    bubbles[1]!.dispatchEvent("longpress");
    await settle();
    expect(pages.fake.actionSheets).toEqual([["复制", "举报"], ["复制", "举报"], ["复制"]]);
    expect(reports).toHaveLength(1);
  });
});

describe("chat page", () => {
  const openChat = () => chatInRoom(pages);
  const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

  it("shows the partner's alias once (the nav bar) and the typing indicator once, gone when the room drops", async () => {
    const { page, room } = await openChat();
    expect(pages.fake.titles.at(-1)).toBe("快乐的熊猫");
    expect(text(page)).not.toContain("快乐的熊猫");
    expect(text(page)).not.toContain("我：小明");
    room.receive({ type: "typing" });
    await settle();
    expect(count(text(page), "对方正在输入")).toBe(1);
    room.drop(1006);
    await settle();
    expect(count(text(page), "对方正在输入")).toBe(0);
  });

  it("asks before 换一个 while matched, and before leaving by the back button", async () => {
    const { page, room } = await openChat();
    expect(pages.fake.unloadGuard).toContain("离开");
    pages.fake.modalAnswer = false;
    page.querySelector(".next")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.modals).toEqual(["换一个聊天对象？"]);
    expect(room.frames).toEqual([]);
    expect(room.closed).toBe(false);
    pages.fake.modalAnswer = true;
    page.querySelector(".next")!.dispatchEvent("tap");
    await settle();
    expect(room.frames).toEqual([{ type: "leave" }]);
    expect(pages.fake.lastSocket().url).toBe("ws://127.0.0.1:8787/api/lobby?topic=music");
    // Waiting again: leaving loses nothing, so no warning.
    expect(pages.fake.unloadGuard).toBeNull();
  });

  it("ends without asking once the partner has left, and the banner never says it reconnects an ended chat", async () => {
    const { page, room } = await openChat();
    room.receive({ type: "partner_left" });
    await settle();
    expect(pages.fake.unloadGuard).toBeNull();
    pages.fake.networkListeners.forEach((l) => l({ isConnected: false }));
    await settle();
    expect(text(page)).toContain("网络已断开");
    expect(text(page)).not.toContain("正在重新连接");
    page.querySelector(".ended-next")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.modals).toEqual([]);
  });

  it("updates only the changed row on a new message or an ack", async () => {
    const { page, room } = await openChat();
    room.receive({ type: "message", id: "m1", seq: 1, from: "partner", text: "在吗", at: Date.now() });
    await settle();
    const calls: string[][] = [];
    const instance = page.instance as any;
    const setData = instance.setData;
    instance.setData = function (data: Record<string, unknown>, cb?: () => void) {
      calls.push(Object.keys(data));
      return setData.call(this, data, cb);
    };
    room.receive({ type: "message", id: "m2", seq: 2, from: "partner", text: "你好", at: Date.now() });
    await settle();
    expect(calls).toEqual([["rows[2]"]]);
    calls.length = 0;
    page.instance.onSend({ detail: { text: "在的" } });
    const send = room.frames.find((f) => f.type === "send") as { clientId: string };
    room.receive({ type: "ack", clientId: send.clientId, id: "m3", seq: 3, at: Date.now() });
    await settle();
    expect(calls).toEqual([["rows[3]"], ["rows[3]"]]);
    expect(text(page)).toContain("在的");
  });

  it("keeps the latest message in view when the keyboard rises", async () => {
    const { page, room } = await openChat();
    room.receive({ type: "message", id: "m1", seq: 1, from: "partner", text: "在吗", at: Date.now() });
    await settle();
    const list = page.querySelector(".messages")!;
    const before = list.data.scrollTop;
    page.querySelector(".input-bar")!.querySelector(".input")!.dispatchEvent("keyboardheightchange", { detail: { height: 280 } });
    await settle();
    expect(list.data.scrollTop).toBeGreaterThan(before);
  });

  it("keeps the newest message in view when the emoji panel opens", async () => {
    const { page, room } = await openChat();
    room.receive({ type: "message", id: "m1", seq: 1, from: "partner", text: "在吗", at: Date.now() });
    await settle();
    const list = page.querySelector(".messages")!;
    const before = list.data.scrollTop;
    page.querySelector(".input-bar")!.querySelector(".emoji-btn")!.dispatchEvent("tap");
    await settle();
    expect(list.data.scrollTop).toBeGreaterThan(before);
  });

  it("says 对方暂时离开 when the partner is away; network words only for one's own connection", async () => {
    const { page, room } = await openChat();
    room.receive({ type: "presence", partner: "offline" });
    await settle();
    expect(text(page)).toContain("对方暂时离开");
    expect(text(page)).not.toContain("网络");
  });

  it("reports a long-pressed partner message with that message named", async () => {
    const { page, room } = await openChat();
    room.receive({ type: "message", id: "m9", seq: 9, from: "partner", text: "加我微信", at: Date.now() });
    await settle();
    pages.fake.actionSheetTap = 1;
    page.querySelector(".messages")!.querySelector(".bubble")!.dispatchEvent("longpress");
    await settle();
    const sheet = page.querySelector(".report-sheet")!;
    expect(text(sheet)).toContain("“加我微信”");
    [...sheet.querySelectorAll(".item")].find((n) => n.dom!.textContent === "广告/诈骗")!.dispatchEvent("tap");
    await settle();
    expect(room.frames).toEqual([{ type: "report", category: "fraud", messageId: "m9" }]);
  });

  it("replaces a half-open socket at once when the app returns after a long background", async () => {
    const { page, room } = await openChat();
    const now = Date.now();
    const clock = vi.spyOn(Date, "now").mockReturnValue(now);
    try {
      page.instance.onHide();
      clock.mockReturnValue(now + 60_000);
      page.instance.onShow();
      await settle();
      expect(room.closed).toBe(true);
      expect(pages.fake.lastSocket()).not.toBe(room);
      expect(pages.fake.lastSocket().url).toBe("ws://127.0.0.1:8787/api/rooms/r1?after=0");
    } finally {
      clock.mockRestore();
    }
  });

  it("shows a banned user 账号已被封禁 with no retry and no login loop", async () => {
    pages.fake.respond = () => ({ statusCode: 403, data: { error: { code: "banned", message: "This account has been banned" } } });
    pages.passGates();
    const page = mount("pages/chat/index");
    await page.instance.onLoad({});
    await settle();
    expect(text(page)).toContain("账号已被封禁");
    expect(page.querySelector(".retry")).toBeFalsy();
    expect(pages.fake.requests).toHaveLength(1);
    expect(pages.fake.sockets).toHaveLength(0);
  });

  it("turns a ban during the chat into the failure screen", async () => {
    const { page, room } = await openChat();
    room.receive({ type: "error", code: "banned", message: "This account has been banned" });
    room.drop(4002);
    await settle();
    expect(text(page)).toContain("账号已被封禁");
    expect(text(page)).not.toContain("正在重新连接");
    const sockets = pages.fake.sockets.length;
    pages.fake.networkListeners.forEach((l) => l({ isConnected: true }));
    page.instance.onShow();
    await settle();
    expect(pages.fake.sockets).toHaveLength(sockets);
  });
});
