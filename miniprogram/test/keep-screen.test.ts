// 保持联系, the first line, the wait estimate and 我的聊天 in the mini program, under
// miniprogram-simulate with the platform faked.
import { describe, expect, it } from "vitest";
import { matchIntoRoom, ONLINE, openChatPage, text } from "./screen";
import { usePages } from "./simulate";

const pages = usePages(5);
const { mount, settle } = pages;

async function openChat(query: Record<string, string> = { topic: "music" }) {
  pages.fake.storage.set("onechat.adultSentFor", "u1");
  return openChatPage(pages, query, "");
}

describe("chat page: the wait, the first line and 保持联系", () => {
  it("shows the wait estimate and the topic fallback notice", async () => {
    const page = await openChat();
    const lobby = pages.fake.lastSocket();
    lobby.open();
    lobby.receive({ type: "waiting", online: 4, waiting: 2, estimateMs: 30_000 });
    await settle();
    expect(text(page)).toContain("预计 30 秒内");
    expect(text(page)).not.toContain("这个话题暂时没人");
    lobby.receive({ type: "waiting", online: 4, waiting: 2, estimateMs: 30_000, fallback: true });
    lobby.receive({ type: "waiting", online: 3, waiting: 1, estimateMs: null });
    await settle();
    expect(text(page)).toContain("这个话题暂时没人，正在为你匹配任何人");
    expect(text(page)).not.toContain("预计");
  });

  it("shows the match's first line, which a tap puts in the input; it goes once the chat begins", async () => {
    const page = await openChat();
    const room = await matchIntoRoom(pages, { match: { prompt: "分享一首最近单曲循环的歌" }, then: [ONLINE] });
    expect(text(page)).toContain("分享一首最近单曲循环的歌");
    page.querySelector(".keep-bar")!.querySelector(".prompt")!.dispatchEvent("tap");
    await settle();
    const bar = page.querySelector(".input-bar") as unknown as { data: { value: string } };
    expect(bar.data.value).toBe("分享一首最近单曲循环的歌");
    room.receive({ type: "message", id: "m1", seq: 1, from: "partner", text: "你好", at: Date.now() });
    await settle();
    expect(text(page)).not.toContain("可以这样开场");
  });

  it("sends one private keep tap, shows it asked, and shows it kept once both tapped", async () => {
    const page = await openChat();
    const room = await matchIntoRoom(pages, { match: { topic: null, prompt: "先打个招呼吧" }, then: [ONLINE] });
    const keepBar = page.querySelector(".keep-bar")!;
    keepBar.querySelector(".keep")!.dispatchEvent("tap");
    await settle();
    expect(room.frames).toContainEqual({ type: "keep" });
    room.receive({ type: "keep_pending" });
    await settle();
    expect(text(page)).toContain("已请求保持联系");
    keepBar.querySelector(".keep")!.dispatchEvent("tap");
    await settle();
    expect(room.frames.filter((f) => f.type === "keep")).toHaveLength(1);
    room.receive({ type: "kept" });
    await settle();
    expect(text(page)).toContain("你们互相保持联系了");
  });

  it("taps over REST on the end screen, whose socket is closed", async () => {
    const page = await openChat();
    const room = await matchIntoRoom(pages, { match: { topic: null, prompt: "先打个招呼吧" }, then: [{ type: "partner_left" }] });
    const base = pages.fake.respond;
    pages.fake.respond = (req) => (req.url.endsWith("/api/chats/r1/keep") ? { statusCode: 200, data: { keep: "kept" } } : base(req));
    page.querySelector(".keep-bar")!.querySelector(".keep")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.requests.some((r) => r.url.endsWith("/api/chats/r1/keep") && r.method === "POST")).toBe(true);
    expect(text(page)).toContain("你们互相保持联系了");
  });

  it("reopens a kept chat named in the page's query instead of joining the lobby", async () => {
    await openChat({ chat: "r9", alias: encodeURIComponent("安静的猫") });
    const socket = pages.fake.lastSocket();
    expect(socket.url).toBe("ws://127.0.0.1:8787/api/rooms/r9");
    expect(pages.fake.titles).toContain("安静的猫");
  });
});

describe("我的聊天 page", () => {
  const chats = [
    { id: "r1", partner: { alias: "快乐的熊猫" }, keptAt: 1, lastMessageAt: Date.now(), unread: 2 },
    { id: "r2", partner: { alias: "安静的猫" }, keptAt: 1, lastMessageAt: null, unread: 0 },
  ];

  function serve(list: unknown[]) {
    const base = pages.fake.respond;
    pages.fake.respond = (req) =>
      req.url.endsWith("/api/chats") && req.method === "GET"
        ? { statusCode: 200, data: { chats: list } }
        : req.url.endsWith("/api/chats/r1") && req.method === "DELETE"
          ? { statusCode: 204, data: "" }
          : base(req);
  }

  it("is reached from the topics page", async () => {
    pages.fake.storage.set("onechat.profile", { avatarUrl: "", nickname: "" });
    const page = mount("pages/topics/index");
    await page.instance.onLoad();
    await settle();
    page.querySelector(".chats-link")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.navigations).toEqual(["/pages/chats/index"]);
  });

  it("lists kept chats with alias, time and unread, and opens one", async () => {
    serve(chats);
    const page = mount("pages/chats/index");
    await page.instance.onShow();
    await settle();
    expect(text(page)).toContain("快乐的熊猫");
    expect(text(page)).toContain("2");
    expect(text(page)).toContain("还没有消息");
    page.querySelector(".open")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.navigations).toEqual([`/pages/chat/index?chat=r1&alias=${encodeURIComponent("快乐的熊猫")}`]);
  });

  it("ends a chat after asking, then shows the list without it", async () => {
    serve(chats);
    const page = mount("pages/chats/index");
    await page.instance.onShow();
    await settle();
    serve(chats.slice(1));
    page.querySelector(".end")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.modals).toEqual(["结束这个聊天？"]);
    expect(pages.fake.requests.some((r) => r.url.endsWith("/api/chats/r1") && r.method === "DELETE")).toBe(true);
    expect(text(page)).not.toContain("快乐的熊猫");
  });

  it("says how a chat gets here when the list is empty", async () => {
    serve([]);
    const page = mount("pages/chats/index");
    await page.instance.onShow();
    await settle();
    expect(text(page)).toContain("还没有保持联系的聊天");
  });
});
