import { beforeEach, describe, expect, it } from "vitest";
import { matchIntoRoom, ONLINE, text } from "./screen";
import {TOPICS, usePages } from "./simulate";

const pages = usePages(5);
const { mount, settle } = pages;

describe("profile page", () => {
  it("confirms avatar and the submitted nickname, keeps them on the phone only, and goes on to topics", async () => {
    const page = mount("pages/profile/index");
    page.instance.onLoad({ first: "1" });
    await settle();
    expect(text(page)).toContain("头像和昵称只保存在你的手机上，不会发送给任何人");
    page.querySelector(".avatar-btn")!.dispatchEvent("chooseavatar", { detail: { avatarUrl: "wxfile://tmp/a.png" } });
    await settle();
    // Without the 年满18周岁 box ticked there is no going on.
    expect(text(page)).toContain("我已年满18周岁");
    expect(page.data.adult).toBe(false);
    page.querySelector(".form")!.dispatchEvent("submit", { detail: { value: { nickname: "小明", adult: [] } } });
    await settle();
    expect(pages.fake.toasts).toEqual(["请先确认你已年满18周岁"]);
    expect(pages.fake.storage.has("onechat.profile")).toBe(false);
    expect(pages.fake.navigations).toEqual([]);
    page.querySelector(".adult")!.dispatchEvent("change", { detail: { value: ["adult"] } });
    await settle();
    expect(page.data.adult).toBe(true);
    // The nickname counts as submitted with the form (WeChat may clear one that fails its check).
    page.querySelector(".form")!.dispatchEvent("submit", { detail: { value: { nickname: "小明", adult: ["adult"] } } });
    await settle();
    expect(pages.fake.storage.get("onechat.profile")).toEqual({ avatarUrl: "saved://wxfile://tmp/a.png", nickname: "小明" });
    // Kept on the phone only (a time, no birth date); the chat page sends it before the first match.
    expect(pages.fake.storage.get("onechat.adult")).toEqual({ confirmedAt: expect.any(Number) });
    // First run: topics replaces the profile page, which is not shown again.
    expect(pages.fake.navigations).toEqual(["redirect:/pages/topics/index"]);
    expect(pages.fake.requests).toEqual([]);
  });

  it("edits the profile from topics and goes back there", async () => {
    pages.fake.storage.set("onechat.profile", { avatarUrl: "saved://me.png", nickname: "阿花" });
    pages.fake.storage.set("onechat.adult", { confirmedAt: 1 });
    const page = mount("pages/profile/index");
    page.instance.onLoad({});
    await settle();
    expect(page.data.adult).toBe(true);
    page.querySelector(".form")!.dispatchEvent("submit", { detail: { value: { nickname: "阿草", adult: ["adult"] } } });
    await settle();
    expect(pages.fake.storage.get("onechat.profile")).toEqual({ avatarUrl: "saved://me.png", nickname: "阿草" });
    expect(pages.fake.navigations).toEqual(["back"]);
  });

  it("on QQ, without chooseAvatar, picks the avatar from the album", async () => {
    (globalThis as any).qq = (globalThis as any).wx;
    try {
      const page = mount("pages/profile/index");
      page.instance.onLoad({ first: "1" });
      await settle();
      expect(page.data.canChooseAvatar).toBe(false);
      page.querySelector(".pick-image")!.dispatchEvent("tap");
      await settle();
      expect(page.data.avatarUrl).toBe("saved://qqfile://tmp/pick.png");
      page.querySelector(".form")!.dispatchEvent("submit", { detail: { value: { nickname: "", adult: ["adult"] } } });
      await settle();
      expect(pages.fake.storage.get("onechat.profile")).toEqual({ avatarUrl: "saved://qqfile://tmp/pick.png", nickname: "" });
    } finally {
      delete (globalThis as any).qq;
    }
  });

  it("shows the saved profile again for confirmation", async () => {
    pages.fake.storage.set("onechat.profile", { avatarUrl: "saved://me.png", nickname: "阿花" });
    const page = mount("pages/profile/index");
    page.instance.onLoad();
    await settle();
    expect(page.data).toMatchObject({ avatarUrl: "saved://me.png", nickname: "阿花" });
  });

  it("asks for privacy consent when WeChat needs it, and passes the answer back", async () => {
    const page = mount("pages/profile/index");
    await settle();
    expect(text(page)).not.toContain("隐私保护提示");
    const answers: unknown[] = [];
    pages.fake.privacyListener!((r) => answers.push(r));
    await settle();
    expect(text(page)).toContain("隐私保护提示");
    page.querySelector(".privacy")!.querySelector("#agree-btn")!.dispatchEvent("agreeprivacyauthorization");
    await settle();
    expect(answers).toEqual([{ event: "agree", buttonId: "agree-btn" }]);
    expect(text(page)).not.toContain("隐私保护提示");
  });
});

describe("topics page", () => {
  beforeEach(() => {
    pages.fake.storage.set("onechat.profile", { avatarUrl: "", nickname: "" });
    pages.fake.storage.set("onechat.adult", { confirmedAt: 1 });
  });

  it("is the start page, but a first launch goes to the profile first", async () => {
    pages.fake.storage.delete("onechat.profile");
    const page = mount("pages/topics/index");
    await page.instance.onLoad();
    await settle();
    expect(pages.fake.navigations).toEqual(["redirect:/pages/profile/index?first=1"]);
    expect(pages.fake.requests).toEqual([]);
  });

  it("links the community rules and the profile editor", async () => {
    const page = mount("pages/topics/index");
    await page.instance.onLoad();
    await settle();
    page.querySelector(".rules-link")!.dispatchEvent("tap");
    page.querySelector(".edit-profile")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.navigations).toEqual(["/pages/rules/index", "/pages/profile/index"]);
  });

  it("asks for the community rules before the first match, then goes to the chat", async () => {
    const page = mount("pages/topics/index");
    await page.instance.onLoad();
    await settle();
    page.querySelector(".primary")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.navigations).toEqual(["/pages/rules/index?topic=any"]);
    const rules = mount("pages/rules/index");
    rules.instance.onLoad({ topic: "any" });
    await settle();
    expect(text(rules)).toContain("不骚扰");
    expect(text(rules)).toContain("色情");
    expect(text(rules)).toContain("广告");
    expect(text(rules)).toContain("封禁");
    rules.querySelector(".accept")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.navigations[1]).toBe("redirect:/pages/chat/index?topic=any");
    // Accepted once: the next match goes straight to the chat.
    page.querySelector(".primary")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.navigations[2]).toBe("/pages/chat/index?topic=any");
    const again = mount("pages/rules/index");
    again.instance.onLoad({});
    await settle();
    expect(text(again)).toContain("你已同意社区规范");
  });

  it("shows the topics as cards after 随便聊聊 and starts with the remembered choice", async () => {
    pages.fake.storage.set("onechat.topic", "books");
    const page = mount("pages/topics/index");
    await page.instance.onLoad();
    await settle();
    const titles = [...page.dom!.querySelectorAll(".main--card .main--title")].map((n) => n.textContent);
    expect(titles).toEqual(["随便聊聊", ...TOPICS.map((t) => t.title)]);
    expect(page.dom!.querySelector(".main--selected .main--title")?.textContent).toBe("书与故事");
    // The topic list is public: no login before it.
    expect(pages.fake.requests.map((r) => r.url)).toEqual(["http://127.0.0.1:8787/api/topics"]);
  });

  it("remembers a picked card and continues to the chat with it", async () => {
    pages.fake.storage.set("onechat.rulesAccepted", 1);
    const page = mount("pages/topics/index");
    await page.instance.onLoad();
    await settle();
    expect(page.data.selected).toBe("any");
    page.querySelectorAll(".card")[1]!.dispatchEvent("tap");
    await settle();
    expect(page.dom!.querySelector(".main--selected .main--title")?.textContent).toBe("最近在听的歌");
    expect(pages.fake.storage.get("onechat.topic")).toBe("music");
    page.querySelector(".primary")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.navigations).toEqual(["/pages/chat/index?topic=music"]);
  });

  it("falls back to 随便聊聊 when the remembered topic is gone, and shows load errors in Chinese", async () => {
    pages.fake.storage.set("onechat.topic", "retired-topic");
    pages.fake.respond = () => ({ statusCode: 500, data: { error: { code: "internal", message: "Internal error" } } });
    const page = mount("pages/topics/index");
    await page.instance.onLoad();
    await settle();
    expect(text(page)).toContain("服务器开小差了，请稍后再试");
    expect(text(page)).not.toContain("Internal error");
    pages.fake.respond = () => ({ statusCode: 200, data: { topics: TOPICS } });
    page.querySelector(".retry")!.dispatchEvent("tap");
    await settle();
    expect(page.data.selected).toBe("any");
    expect(page.data.topics).toHaveLength(2);
  });
});

describe("chat page", () => {
  async function openChat(topic = "music") {
    pages.fake.storage.set("onechat.profile", { avatarUrl: "saved://me.png", nickname: "小明" });
    // The server already has this account's 18+ confirmation (the age gate has tests of its own).
    pages.fake.storage.set("onechat.adult", { confirmedAt: 1 });
    pages.fake.storage.set("onechat.adultSentFor", "u1");
    pages.fake.storage.set("onechat.rulesAccepted", 1);
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic });
    await settle();
    return page;
  }

  const matched = (_page: ReturnType<typeof mount>, history: unknown[] = []) => matchIntoRoom(pages, { history, then: [ONLINE] });

  const messages = (page: ReturnType<typeof mount>) => page.querySelector(".messages")!;

  it("logs in with a toast, then waits in the lobby with the online count and can cancel", async () => {
    const page = await openChat();
    expect(pages.fake.toasts).toContain("登录成功");
    expect(pages.fake.requests[0]).toMatchObject({ url: "http://127.0.0.1:8787/api/login", method: "POST", data: { platform: "dev" } });
    const lobby = pages.fake.lastSocket();
    expect(lobby.url).toBe("ws://127.0.0.1:8787/api/lobby?topic=music");
    expect(lobby.header).toEqual({ Authorization: "Bearer tok" });
    lobby.open();
    lobby.receive({ type: "waiting", online: 5 });
    await settle();
    expect(text(page)).toContain("当前在线 5 人");
    page.querySelector(".cancel")!.dispatchEvent("tap");
    await settle();
    expect(lobby.frames).toEqual([{ type: "cancel" }]);
    expect(pages.fake.navigations).toEqual(["back"]);
  });

  it("joins without a topic for 随便聊聊 and does not log in again with a valid session", async () => {
    pages.fake.storage.set("onechat.session", { token: "kept", expiresAt: Date.now() + 86_400_000, checkTicket: null, checkTicketExpiresAt: null, userId: "u1" });
    await openChat("any");
    expect(pages.fake.toasts).not.toContain("登录成功");
    expect(pages.fake.requests).toEqual([]);
    expect(pages.fake.lastSocket().url).toBe("ws://127.0.0.1:8787/api/lobby");
    expect(pages.fake.lastSocket().header).toEqual({ Authorization: "Bearer kept" });
  });

  it("says 登录成功 only on the first login ever on this phone, not after a session expired", async () => {
    await openChat();
    expect(pages.fake.toasts.filter((t) => t === "登录成功")).toHaveLength(1);
    pages.relaunch();
    pages.passGates();
    pages.fake.storage.set("onechat.welcomed", true);
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "music" });
    await settle();
    expect(pages.fake.requests[0]).toMatchObject({ url: "http://127.0.0.1:8787/api/login" });
    expect(pages.fake.toasts).not.toContain("登录成功");
  });

  it("shows a login failure in Chinese with a retry", async () => {
    pages.fake.respond = () => ({ statusCode: 403, data: { error: { code: "banned", message: "This account has been banned" } } });
    const page = await openChat();
    expect(text(page)).toContain("账号已被封禁");
    expect(pages.fake.sockets).toHaveLength(0);
  });

  it("shows earlier history above 以前的聊天 and the partner's alias once matched", async () => {
    const page = await openChat();
    await matched(page, [{ id: "m1", seq: 1, from: "partner", text: "上次说到猫", at: Date.now() - 86_400_000 }]);
    expect(pages.fake.lastSocket().url).toBe("ws://127.0.0.1:8787/api/rooms/r1");
    const list = messages(page).dom!;
    expect(list.textContent).toContain("上次说到猫");
    expect(list.querySelector(".message-list--divider, [class*='divider']")?.textContent).toBe("以上是以前的聊天");
    expect(pages.fake.titles).toContain("快乐的熊猫");
    // The alias once: in the nav bar, not again in the page.
    expect(text(page)).not.toContain("快乐的熊猫");
  });

  it("sends from the input bar: pending until the ack, then sent", async () => {
    const page = await openChat();
    const room = await matched(page);
    const bar = page.querySelector(".input-bar")!;
    bar.querySelector(".input")!.dispatchEvent("input", { detail: { value: "你好呀" } });
    await settle();
    expect(room.frames).toEqual([{ type: "typing" }]);
    bar.querySelector(".send")!.dispatchEvent("tap");
    await settle();
    const send = room.frames[1] as { type: string; clientId: string; text: string };
    expect(send).toMatchObject({ type: "send", text: "你好呀" });
    const list = messages(page).dom!;
    expect(list.querySelector("[class*='is-pending']")?.textContent).toContain("你好呀");
    room.receive({ type: "ack", clientId: send.clientId, id: "m1", seq: 1, at: Date.now() });
    await settle();
    expect(list.querySelector("[class*='is-pending']")).toBeNull();
    expect(list.querySelector("[class*='is-sent']")?.textContent).toContain("你好呀");
  });

  it("marks a message refused for content 未发送：包含不当内容 without a retry", async () => {
    const page = await openChat();
    const room = await matched(page);
    page.instance.onSend({ detail: { text: "不好的话" } });
    page.instance.onSend({ detail: { text: "好的话" } });
    const [bad] = room.frames.filter((f) => f.type === "send") as Array<{ clientId: string }>;
    room.receive({ type: "error", code: "content_rejected", message: "Rejected by moderation", clientId: bad!.clientId });
    await settle();
    const list = messages(page);
    expect(list.dom!.querySelector("[class*='is-failed']")?.textContent).toContain("不好的话");
    expect(list.dom!.querySelector("[class*='is-pending']")?.textContent).toContain("好的话");
    expect(list.dom!.textContent).toContain("未发送：包含不当内容");
    expect(list.dom!.textContent).not.toContain("点击重发");
    list.querySelector(".failed")!.dispatchEvent("tap");
    await settle();
    expect(room.frames.filter((f) => f.type === "send")).toHaveLength(2);
  });

  it("marks a message failed for a passing reason with 点击重发, and a tap resends it with the same clientId", async () => {
    const page = await openChat();
    const room = await matched(page);
    page.instance.onSend({ detail: { text: "稍后再审" } });
    const [sent] = room.frames.filter((f) => f.type === "send") as Array<{ clientId: string }>;
    room.receive({ type: "error", code: "moderation_unavailable", message: "down", clientId: sent!.clientId });
    await settle();
    const list = messages(page);
    expect(list.dom!.textContent).toContain("消息审核暂时不可用，请稍后重试 · 点击重发");
    list.querySelector(".failed")!.dispatchEvent("tap");
    await settle();
    const sends = room.frames.filter((f) => f.type === "send");
    expect(sends).toHaveLength(2);
    expect(sends[1]!.clientId).toBe(sends[0]!.clientId);
    expect(list.dom!.querySelector("[class*='is-pending']")).not.toBeNull();
  });

  it("shows the partner typing and 对方已离开 when they leave; 换一个 goes back to the lobby", async () => {
    const page = await openChat();
    const room = await matched(page);
    room.receive({ type: "typing" });
    await settle();
    expect(messages(page).dom!.textContent).toContain("对方正在输入");
    room.receive({ type: "partner_left" });
    await settle();
    expect(text(page)).toContain("对方已离开");
    expect(page.querySelector(".input-bar")!.data.disabled).toBe(true);
    page.querySelector(".ended-next")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.lastSocket().url).toBe("ws://127.0.0.1:8787/api/lobby?topic=music");
    expect(text(page)).toContain("正在为你寻找聊天对象");
  });

  it("shows a banner while offline and resumes the room with after=<last seq> when the network returns", async () => {
    const page = await openChat();
    const room = await matched(page, [{ id: "m7", seq: 7, from: "partner", text: "hi", at: Date.now() }]);
    pages.fake.networkListeners.forEach((l) => l({ isConnected: false }));
    room.drop(1006);
    await settle();
    expect(text(page)).toContain("网络已断开");
    pages.fake.networkListeners.forEach((l) => l({ isConnected: true }));
    await settle();
    const resumed = pages.fake.lastSocket();
    expect(resumed).not.toBe(room);
    expect(resumed.url).toBe("ws://127.0.0.1:8787/api/rooms/r1?after=7");
    resumed.open();
    resumed.receive({ type: "history", messages: [{ id: "m8", seq: 8, from: "partner", text: "你掉线了？", at: Date.now() }] });
    await settle();
    expect(text(page)).not.toContain("网络已断开");
    expect(messages(page).dom!.textContent).toContain("你掉线了？");
    // Resumed messages belong to this meeting: below the divider, unlike the first history.
    const all = messages(page).dom!.textContent!;
    expect(all.indexOf("hi")).toBeLessThan(all.indexOf("以前的聊天"));
    expect(all.indexOf("以前的聊天")).toBeLessThan(all.indexOf("你掉线了？"));
  });

  it("reconnects when the app comes back to the foreground and leaves the room on unload", async () => {
    const page = await openChat();
    const room = await matched(page);
    room.drop(1006);
    page.instance.onShow();
    await settle();
    const resumed = pages.fake.lastSocket();
    expect(resumed.url).toBe("ws://127.0.0.1:8787/api/rooms/r1?after=0");
    resumed.open();
    page.instance.onUnload();
    expect(resumed.frames).toEqual([{ type: "leave" }]);
    expect(resumed.closed).toBe(true);
  });

  const sheet = (page: ReturnType<typeof mount>) => page.querySelector(".report-sheet")!;
  const sheetItem = (page: ReturnType<typeof mount>, label: string) =>
    [...sheet(page).querySelectorAll(".item")].find((n) => n.dom!.textContent === label)!;

  it("reports the partner from the 举报 sheet on the room socket, then offers 换一个", async () => {
    const page = await openChat();
    const room = await matched(page);
    expect(text(sheet(page))).not.toContain("举报对方");
    page.querySelector(".report-link")!.dispatchEvent("tap");
    await settle();
    const labels = [...sheet(page).querySelectorAll(".reason")].map((n) => n.dom!.textContent);
    expect(labels).toEqual(["骚扰/辱骂", "色情低俗", "疑似未成年", "广告/诈骗", "其他"]);
    expect(text(sheet(page))).toContain("只屏蔽，不举报");
    sheetItem(page, "色情低俗").dispatchEvent("tap");
    await settle();
    expect(room.frames).toEqual([{ type: "report", category: "sexual" }]);
    // A second tap while the first is on its way sends nothing more.
    sheetItem(page, "其他").dispatchEvent("tap");
    await settle();
    expect(room.frames).toHaveLength(1);
    room.receive({ type: "reported" });
    await settle();
    expect(pages.fake.toasts).toContain("已举报，你们不会再被匹配");
    expect(room.frames).toEqual([{ type: "report", category: "sexual" }, { type: "leave" }]);
    expect(text(sheet(page))).not.toContain("举报对方");
    expect(text(page)).toContain("你已举报并屏蔽对方");
    expect(page.querySelector(".report-link")).toBeFalsy();
    expect(page.querySelector(".input-bar")!.data.disabled).toBe(true);
    // No REST call: the socket carried the report.
    expect(pages.fake.requests.filter((r) => !r.url.endsWith("/api/login"))).toEqual([]);
    page.querySelector(".ended-next")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.lastSocket().url).toBe("ws://127.0.0.1:8787/api/lobby?topic=music");
    expect(text(page)).toContain("正在为你寻找聊天对象");
  });

  it("keeps the sheet open with the reason in Chinese when the server refuses the report", async () => {
    const page = await openChat();
    const room = await matched(page);
    page.instance.onOpenReport();
    await settle();
    sheetItem(page, "其他").dispatchEvent("tap");
    await settle();
    room.receive({ type: "error", code: "internal", message: "Internal error" });
    await settle();
    expect(pages.fake.toasts).toContain("服务器开小差了，请稍后再试");
    expect(text(sheet(page))).toContain("举报对方");
    expect(text(page)).not.toContain("你已举报");
    // Cancel closes it; the chat goes on.
    sheetItem(page, "取消").dispatchEvent("tap");
    await settle();
    expect(text(sheet(page))).not.toContain("举报对方");
    expect(page.querySelector(".input-bar")!.data.disabled).toBe(false);
  });

  it("reports over REST when the room socket is not connected, and leaves the room", async () => {
    pages.fake.respond = (req) =>
      req.url.endsWith("/api/login")
        ? { statusCode: 200, data: { token: "tok", user: { id: "u1" }, expiresAt: Date.now() + 86_400_000 } }
        : req.url.endsWith("/api/reports")
          ? { statusCode: 204, data: "" }
          : { statusCode: 404, data: { error: { code: "not_found", message: "Not found" } } };
    const page = await openChat();
    const room = await matched(page);
    pages.fake.networkListeners.forEach((l) => l({ isConnected: false }));
    room.drop(1006);
    await settle();
    page.querySelector(".report-link")!.dispatchEvent("tap");
    await settle();
    sheetItem(page, "广告/诈骗").dispatchEvent("tap");
    await settle();
    expect(pages.fake.requests.slice(1)).toEqual([
      {
        url: "http://127.0.0.1:8787/api/reports",
        method: "POST",
        data: { conversationId: "r1", category: "fraud" },
        header: { "content-type": "application/json", Authorization: "Bearer tok" },
      },
    ]);
    expect(pages.fake.toasts).toContain("已举报，你们不会再被匹配");
    expect(text(page)).toContain("你已举报并屏蔽对方");
    // Over: the network coming back does not reopen the room.
    const sockets = pages.fake.sockets.length;
    pages.fake.networkListeners.forEach((l) => l({ isConnected: true }));
    await settle();
    expect(pages.fake.sockets).toHaveLength(sockets);
  });

  it("can still report a partner who already left", async () => {
    pages.fake.respond = (req) =>
      req.url.endsWith("/api/login")
        ? { statusCode: 200, data: { token: "tok", user: { id: "u1" }, expiresAt: Date.now() + 86_400_000 } }
        : { statusCode: 204, data: "" };
    const page = await openChat();
    const room = await matched(page);
    room.receive({ type: "partner_left" });
    await settle();
    page.querySelector(".report-link")!.dispatchEvent("tap");
    await settle();
    sheetItem(page, "骚扰/辱骂").dispatchEvent("tap");
    await settle();
    expect(pages.fake.requests.map((r) => r.url).filter((u) => u.endsWith("/api/reports"))).toHaveLength(1);
    expect(text(page)).toContain("你已举报并屏蔽对方");
  });

  it("blocks without a report over REST, then leaves the room", async () => {
    let status = 500;
    pages.fake.respond = (req) =>
      req.url.endsWith("/api/login")
        ? { statusCode: 200, data: { token: "tok", user: { id: "u1" }, expiresAt: Date.now() + 86_400_000 } }
        : status === 204
          ? { statusCode: 204, data: "" }
          : { statusCode: 500, data: { error: { code: "internal", message: "Internal error" } } };
    const page = await openChat();
    const room = await matched(page);
    page.querySelector(".report-link")!.dispatchEvent("tap");
    await settle();
    sheetItem(page, "只屏蔽，不举报").dispatchEvent("tap");
    await settle();
    // A failure leaves everything as it was, with the reason in Chinese.
    expect(pages.fake.toasts).toContain("服务器开小差了，请稍后再试");
    expect(room.frames).toEqual([]);
    expect(text(page)).not.toContain("你已屏蔽对方");
    status = 204;
    sheetItem(page, "只屏蔽，不举报").dispatchEvent("tap");
    await settle();
    const blocks = pages.fake.requests.filter((r) => r.url.endsWith("/api/blocks"));
    expect(blocks.map((r) => r.data)).toEqual([{ conversationId: "r1" }, { conversationId: "r1" }]);
    expect(room.frames).toEqual([{ type: "leave" }]);
    expect(pages.fake.toasts).toContain("已屏蔽，你们不会再被匹配");
    expect(text(page)).toContain("你已屏蔽对方");
    expect(room.frames.some((f) => f.type === "report")).toBe(false);
  });
});

describe("chat page on WeChat (check ticket)", () => {
  const TICKET = "sealed+ticket/v1==";

  /** A release build: real WeChat login, whose answer carries a check ticket. */
  function wechatRelease(ticketLifeMs = 7_200_000) {
    let logins = 0;
    pages.fake.storage.set("onechat.adultSentFor", "u1");
    pages.passGates();
    (globalThis as any).wx.getAccountInfoSync = () => ({ miniProgram: { envVersion: "release", appId: "wx123" } });
    pages.fake.respond = (req) => {
      if (!req.url.endsWith("/api/login")) return { statusCode: 404, data: { error: { code: "not_found", message: "Not found" } } };
      logins++;
      return {
        statusCode: 200,
        data: { token: `tok${logins}`, user: { id: "u1" }, expiresAt: Date.now() + 86_400_000, checkTicket: `${TICKET}${logins}`, checkTicketExpiresAt: Date.now() + ticketLifeMs },
      };
    };
    return () => logins;
  }

  async function toRoom(page: ReturnType<typeof mount>) {
    const lobby = pages.fake.lastSocket();
    lobby.open();
    lobby.receive({ type: "matched", roomId: "r1", partner: { alias: "快乐的熊猫" }, topic: null });
    await settle();
    return { lobby, room: pages.fake.lastSocket() };
  }

  it("logs in with the WeChat code and passes the ticket to the room, never to the lobby", async () => {
    wechatRelease();
    const page = mount("pages/chat/index");
    await page.instance.onLoad({});
    await settle();
    expect(pages.fake.requests[0]).toMatchObject({ url: "https://onechat.example.com/api/login", data: { platform: "wechat", code: "wxcode" } });
    const { lobby, room } = await toRoom(page);
    expect(lobby.url).toBe("wss://onechat.example.com/api/lobby");
    expect(room.url).toBe(`wss://onechat.example.com/api/rooms/r1?ticket=${encodeURIComponent(`${TICKET}1`)}`);
    expect(room.header).toEqual({ Authorization: "Bearer tok1" });
    room.open();
    room.receive({ type: "history", messages: [{ id: "m3", seq: 3, from: "partner", text: "hi", at: Date.now() }] });
    room.drop(1006);
    page.instance.onShow();
    await settle();
    expect(pages.fake.lastSocket().url).toBe(`wss://onechat.example.com/api/rooms/r1?after=3&ticket=${encodeURIComponent(`${TICKET}1`)}`);
  });

  it("logs in again for a fresh ticket when the stored one is about to expire, though the token is valid", async () => {
    const logins = wechatRelease();
    pages.fake.storage.set("onechat.session", {
      token: "still-good",
      expiresAt: Date.now() + 86_400_000,
      checkTicket: "old-ticket",
      checkTicketExpiresAt: Date.now() + 60_000,
    });
    const page = mount("pages/chat/index");
    await page.instance.onLoad({});
    await settle();
    expect(logins()).toBe(1);
    const { room } = await toRoom(page);
    expect(room.url).toBe(`wss://onechat.example.com/api/rooms/r1?ticket=${encodeURIComponent(`${TICKET}1`)}`);
    expect(room.header).toEqual({ Authorization: "Bearer tok1" });
    expect(pages.fake.storage.get("onechat.session")).toMatchObject({ token: "tok1", checkTicket: `${TICKET}1` });
  });
});
