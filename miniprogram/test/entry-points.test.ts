// Every way into a page lands where the person meant (issue 19 item 1): a subscribe message's
// page names its conversation and resumes it; a chat page opened any other way passes the same
// gates (profile, 18+ on this phone, rules); leaving a page opened from a cold start goes to topics.
import { describe, expect, it } from "vitest";
import { text } from "./screen";
import { TOPICS, usePages } from "./simulate";

const pages = usePages(6);
const { mount, settle } = pages;

const passedGates = () => pages.passGates();

/** A server that knows one conversation, r9, with the partner 安静的海豚. */
function conversationServer() {
  pages.fake.respond = (req) => {
    if (req.url.endsWith("/api/login")) return { statusCode: 200, data: { token: "tok", user: { id: "u1" }, expiresAt: Date.now() + 86_400_000 } };
    if (req.url.endsWith("/api/conversations/r9")) {
      return { statusCode: 200, data: { id: "r9", partner: { alias: "安静的海豚" }, myAlias: "小熊", createdAt: 1, lastMessageAt: null } };
    }
    if (req.url.endsWith("/api/me")) return { statusCode: 200, data: { id: "u1", createdAt: 1, adultConfirmedAt: 1, matchingSuspended: false } };
    if (req.url.endsWith("/api/topics")) return { statusCode: 200, data: { topics: TOPICS } };
    if (req.url.endsWith("/api/subscriptions/templates")) return { statusCode: 200, data: { templates: {} } };
    return { statusCode: 404, data: { error: { code: "not_found", message: "Not found" } } };
  };
}

describe("entry points", () => {
  it("a subscribe message's page (?room=) resumes that conversation with its history, not a new match", async () => {
    passedGates();
    conversationServer();
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ room: "r9" });
    await settle();
    expect(pages.fake.sockets.map((s) => s.url)).toEqual(["ws://127.0.0.1:8787/api/rooms/r9?after=0"]);
    const room = pages.fake.lastSocket();
    room.open();
    room.receive({
      type: "history",
      messages: [
        { id: "m1", seq: 1, from: "partner", text: "你还在吗", at: Date.now() - 60_000 },
        { id: "m2", seq: 2, from: "me", text: "在的", at: Date.now() - 30_000, clientId: "c1" },
      ],
    });
    await settle();
    expect(page.data.screen).toBe("chat");
    expect(text(page)).toContain("你还在吗");
    expect(text(page)).toContain("在的");
    // The same chat, not an earlier meeting.
    expect(text(page)).not.toContain("以上是以前的聊天");
    expect(pages.fake.titles).toContain("安静的海豚");
  });

  it("a room that is not the person's (or is gone) ends on a screen, with no lobby", async () => {
    passedGates();
    conversationServer();
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ room: "someone-elses" });
    await settle();
    expect(pages.fake.sockets).toHaveLength(0);
    expect(page.data.screen).toBe("failed");
    expect(text(page)).toContain("聊天不存在或已结束");
  });

  it("a chat page opened without a room on a fresh install goes through the profile first, never the lobby", async () => {
    const page = mount("pages/chat/index");
    await page.instance.onLoad({});
    await settle();
    expect(pages.fake.sockets).toHaveLength(0);
    expect(pages.fake.navigations).toEqual(["redirect:/pages/profile/index?first=1&adult=1&topic=any"]);
  });

  it("a chat page opened without the rules accepted shows the rules first, even when the server knows the account is adult", async () => {
    pages.fake.storage.set("onechat.profile", { avatarUrl: "", nickname: "小明" });
    pages.fake.storage.set("onechat.adult", { confirmedAt: 1 });
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "music" });
    await settle();
    expect(pages.fake.sockets).toHaveLength(0);
    expect(pages.fake.navigations).toEqual(["redirect:/pages/rules/index?topic=music"]);
  });

  it("a notification on a fresh install passes profile and rules, then lands in its conversation", async () => {
    conversationServer();
    const chat = mount("pages/chat/index");
    await chat.instance.onLoad({ room: "r9" });
    await settle();
    expect(pages.fake.navigations).toEqual(["redirect:/pages/profile/index?first=1&adult=1&room=r9"]);
    const profile = mount("pages/profile/index");
    profile.instance.onLoad({ first: "1", adult: "1", room: "r9" });
    await settle();
    profile.querySelector(".form")!.dispatchEvent("submit", { detail: { value: { nickname: "小明", adult: ["adult"] } } });
    await settle();
    expect(pages.fake.navigations.at(-1)).toBe("redirect:/pages/rules/index?room=r9");
    const rules = mount("pages/rules/index");
    rules.instance.onLoad({ room: "r9" });
    await settle();
    rules.querySelector(".accept")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.navigations.at(-1)).toBe("redirect:/pages/chat/index?room=r9");
    // No match reminder is asked on the way into an existing chat.
    expect(pages.fake.subscribePrompts).toEqual([]);
  });

  it("取消 on a chat page opened from a cold start goes to topics (there is no page to go back to)", async () => {
    passedGates();
    pages.fake.pageDepth = 1;
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "music" });
    await settle();
    pages.fake.lastSocket().open();
    pages.fake.lastSocket().receive({ type: "waiting", online: 2 });
    await settle();
    page.querySelector(".cancel")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.navigations).toEqual(["relaunch:/pages/topics/index"]);
  });

  it("with pages below, 取消 still goes back", async () => {
    passedGates();
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "music" });
    await settle();
    pages.fake.lastSocket().open();
    await settle();
    page.querySelector(".cancel")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.navigations).toEqual(["back"]);
  });
});

describe("privacy consent anywhere (issue 19 item 4)", () => {
  it("is registered once for the app, and the chat page (album, 复制) shows it and passes the answer back", async () => {
    passedGates();
    const profile = mount("pages/profile/index");
    profile.instance.onLoad({});
    const chat = mount("pages/chat/index");
    await chat.instance.onLoad({ topic: "music" });
    await settle();
    expect(pages.fake.privacyRegistrations).toBe(1);
    const answers: unknown[] = [];
    pages.fake.privacyListener!((r) => answers.push(r));
    await settle();
    // The page on top (the chat) shows it.
    expect(text(chat)).toContain("隐私保护提示");
    chat.querySelector(".privacy")!.querySelector("#agree-btn")!.dispatchEvent("agreeprivacyauthorization");
    await settle();
    expect(answers).toEqual([{ event: "agree", buttonId: "agree-btn" }]);
    expect(text(chat)).not.toContain("隐私保护提示");
    expect(text(profile)).not.toContain("隐私保护提示");
  });
});
