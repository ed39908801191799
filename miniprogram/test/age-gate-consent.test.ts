// Under miniprogram-simulate: the adults-only gate (年满18周岁 on the phone, sent to the server
// before the first match, a suspended user's screen) and the subscribe-message prompts (on taps,
// only for listed templates, once per wait or absence, never in the way of matching).
import { beforeEach, describe, expect, it, vi } from "vitest";
import { matchIntoRoom, ONLINE, text } from "./screen";
import {TOPICS, usePages } from "./simulate";

const pages = usePages(6);
const { mount, settle } = pages;
const rest = () => pages.fake.requests.filter((r) => !r.url.endsWith("/api/login")).map((r) => `${r.method} ${r.url.replace(/^https?:\/\/[^/]+/, "")}`);

/** A server that keeps the 18+ confirmation per account and may suspend matching. */
function ageServer(opts: { confirmed?: boolean; suspended?: boolean } = {}) {
  const state = { confirmed: opts.confirmed ?? false, suspended: opts.suspended ?? false, account: "u1" };
  pages.fake.respond = (req) => {
    if (req.url.endsWith("/api/login")) return { statusCode: 200, data: { token: "tok", user: { id: state.account }, expiresAt: Date.now() + 86_400_000 } };
    if (req.url.endsWith("/api/me/adult")) {
      state.confirmed = true;
      return { statusCode: 200, data: { adultConfirmedAt: Date.now() } };
    }
    if (req.url.endsWith("/api/me")) {
      return { statusCode: 200, data: { id: state.account, createdAt: 1, adultConfirmedAt: state.confirmed ? 1 : null, matchingSuspended: state.suspended } };
    }
    if (req.url.endsWith("/api/topics")) return { statusCode: 200, data: { topics: TOPICS } };
    return { statusCode: 404, data: { error: { code: "not_found", message: "Not found" } } };
  };
  return state;
}

describe("adults only", () => {
  beforeEach(() => {
    pages.fake.storage.set("onechat.profile", { avatarUrl: "", nickname: "小明" });
    pages.fake.storage.set("onechat.rulesAccepted", 1);
  });

  it("an install from before the age gate confirms 18+ before its first match, then goes on to it", async () => {
    const topics = mount("pages/topics/index");
    await topics.instance.onLoad();
    await settle();
    topics.instance.onPick({ currentTarget: { dataset: { id: "music" } } });
    topics.querySelector(".primary")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.navigations).toEqual(["/pages/profile/index?adult=1&topic=music"]);

    const profile = mount("pages/profile/index");
    profile.instance.onLoad({ adult: "1", topic: "music" });
    await settle();
    expect(text(profile)).toContain("开始匹配前，请确认你已年满18周岁");
    expect(profile.data).toMatchObject({ nickname: "小明", adult: false });
    profile.querySelector(".form")!.dispatchEvent("submit", { detail: { value: { nickname: "小明", adult: [] } } });
    await settle();
    expect(pages.fake.navigations).toHaveLength(1);
    profile.querySelector(".form")!.dispatchEvent("submit", { detail: { value: { nickname: "小明", adult: ["adult"] } } });
    await settle();
    expect(pages.fake.navigations[1]).toBe("redirect:/pages/chat/index?topic=music");
    expect(pages.fake.storage.get("onechat.adult")).toEqual({ confirmedAt: expect.any(Number) });
  });

  it("the chat page sends the confirmation once before the lobby, and not again on the next visit", async () => {
    pages.fake.storage.set("onechat.adult", { confirmedAt: 1 });
    const state = ageServer();
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "music" });
    await settle();
    expect(rest()).toEqual(["GET /api/me", "POST /api/me/adult"]);
    expect(pages.fake.requests.find((r) => r.url.endsWith("/api/me/adult"))!.data).toEqual({ confirmed: true });
    expect(state.confirmed).toBe(true);
    expect(pages.fake.sockets.map((s) => s.url)).toEqual(["ws://127.0.0.1:8787/api/lobby?topic=music"]);
    page.instance.onUnload();

    const again = mount("pages/chat/index");
    await again.instance.onLoad({ topic: "music" });
    await settle();
    expect(rest()).toHaveLength(2);
    expect(pages.fake.sockets).toHaveLength(2);
  });

  it("without the confirmation on the phone, no lobby: the profile step asks for it (even when the server has one)", async () => {
    ageServer({ confirmed: true });
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "books" });
    await settle();
    expect(pages.fake.sockets).toHaveLength(0);
    expect(rest()).toEqual([]);
    expect(pages.fake.navigations).toEqual(["redirect:/pages/profile/index?adult=1&topic=books"]);
  });

  it("a suspended user sees 匹配已暂停，等待管理员审核 and nothing retries", async () => {
    pages.fake.storage.set("onechat.adult", { confirmedAt: 1 });
    ageServer({ confirmed: true, suspended: true });
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "music" });
    await settle();
    expect(text(page)).toContain("匹配已暂停，等待管理员审核");
    expect(page.data.screen).toBe("failed");
    expect(pages.fake.sockets).toHaveLength(0);
    expect(text(page)).not.toContain("重新登录");
  });

  it("a suspension met by the lobby (403) shows the same screen without a retry loop", async () => {
    pages.fake.storage.set("onechat.adult", { confirmedAt: 1 });
    const state = ageServer({ confirmed: true });
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "music" });
    await settle();
    expect(pages.fake.sockets).toHaveLength(1);
    // Suspended while on the way in: the lobby refuses the upgrade.
    state.suspended = true;
    pages.fake.lastSocket().fail("connectSocket:fail Unexpected server response: 403");
    await vi.waitFor(() => expect(page.data.screen).toBe("failed"));
    expect(text(page)).toContain("匹配已暂停，等待管理员审核");
    expect(rest()).toEqual(["GET /api/me", "GET /api/me"]);
    expect(pages.fake.sockets).toHaveLength(1);
    expect(page.data.bannerText).toBe("");
  });

  it("after a re-login as a new account the lobby's 403 is answered by sending the confirmation again", async () => {
    pages.fake.storage.set("onechat.adult", { confirmedAt: 1 });
    const state = ageServer({ confirmed: true });
    pages.fake.storage.set("onechat.adultSentFor", "u1");
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "music" });
    await settle();
    expect(rest()).toEqual([]);
    // The server forgot this account's confirmation (a new account behind the same login).
    state.confirmed = false;
    pages.fake.lastSocket().fail("connectSocket:fail Unexpected server response: 403");
    await vi.waitFor(() => expect(pages.fake.sockets).toHaveLength(2), { timeout: 3_000 });
    expect(rest()).toEqual(["GET /api/me", "POST /api/me/adult"]);
    expect(state.confirmed).toBe(true);
    pages.fake.lastSocket().open();
    pages.fake.lastSocket().receive({ type: "waiting", online: 2 });
    await settle();
    expect(text(page)).toContain("正在为你寻找聊天对象");
  });
});

describe("subscribe-message consent", () => {
  const TEMPLATES = { matched: "T_MATCH", reply: "T_REPLY" };

  /** A release build: WeChat login with a check ticket; the server lists `templates`. */
  function wechat(templates: Record<string, string> | "down" = TEMPLATES) {
    (globalThis as any).wx.getAccountInfoSync = () => ({ miniProgram: { envVersion: "release", appId: "wx123" } });
    pages.fake.storage.set("onechat.profile", { avatarUrl: "", nickname: "" });
    pages.fake.storage.set("onechat.rulesAccepted", 1);
    pages.fake.storage.set("onechat.adult", { confirmedAt: 1 });
    pages.fake.storage.set("onechat.adultSentFor", "u1");
    pages.fake.respond = (req) => {
      if (req.url.endsWith("/api/login")) {
        return { statusCode: 200, data: { token: "tok", user: { id: "u1" }, expiresAt: Date.now() + 86_400_000, checkTicket: "TICKET", checkTicketExpiresAt: Date.now() + 7_200_000 } };
      }
      if (req.url.endsWith("/api/subscriptions/templates")) {
        return templates === "down" ? { statusCode: 500, data: { error: { code: "internal", message: "x" } } } : { statusCode: 200, data: { templates } };
      }
      if (req.url.endsWith("/api/subscriptions")) {
        const kinds = (req.data as { kinds: string[] }).kinds;
        return { statusCode: 200, data: { kinds: kinds.map((kind) => ({ kind, expiresAt: Date.now() + 3_600_000 })) } };
      }
      if (req.url.endsWith("/api/topics")) return { statusCode: 200, data: { topics: TOPICS } };
      return { statusCode: 404, data: { error: { code: "not_found", message: "Not found" } } };
    };
  }
  const posts = () => pages.fake.requests.filter((r) => r.url.endsWith("/api/subscriptions")).map((r) => r.data);

  it("while waiting offers the match reminder once; an acceptance is recorded with the ticket", async () => {
    wechat();
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "music" });
    await settle();
    // Matching did not wait for anything: the lobby is open.
    expect(pages.fake.sockets).toHaveLength(1);
    pages.fake.lastSocket().open();
    pages.fake.lastSocket().receive({ type: "waiting", online: 4 });
    await settle();
    expect(pages.fake.subscribePrompts).toEqual([]);
    const button = page.querySelector(".subscribe")!;
    expect(button.dom!.textContent).toBe("匹配成功时提醒我");
    // The tap's handler opens the prompt before it awaits anything, as WeChat requires.
    void page.instance.onSubscribe();
    expect(pages.fake.subscribePrompts).toEqual([["T_MATCH"]]);
    await settle();
    expect(posts()).toEqual([{ kinds: ["matched"], ticket: "TICKET" }]);
    expect(pages.fake.toasts).toContain("匹配成功时会提醒你");
    expect(page.querySelector(".subscribe")).toBeFalsy();
    pages.fake.lastSocket().receive({ type: "waiting", online: 5 });
    await settle();
    expect(page.querySelector(".subscribe")).toBeFalsy();
  });

  it("when the partner goes offline offers the reply reminder once per absence; a refusal records nothing", async () => {
    wechat();
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "music" });
    await settle();
    const room = await matchIntoRoom(pages, { match: { partner: { alias: "熊猫" } }, then: [ONLINE] });
    expect(page.querySelector(".subscribe-reply")).toBeFalsy();
    room.receive({ type: "presence", partner: "offline" });
    await settle();
    expect(page.querySelector(".subscribe-reply")!.dom!.textContent).toBe("对方回复时提醒我");
    pages.fake.subscribeAnswer = "reject";
    page.querySelector(".subscribe-reply")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.subscribePrompts).toEqual([["T_REPLY"]]);
    expect(posts()).toEqual([]);
    expect(page.querySelector(".subscribe-reply")).toBeFalsy();
    // Back, then away again: a new absence, one more offer.
    room.receive({ type: "presence", partner: "online" });
    await settle();
    room.receive({ type: "presence", partner: "offline" });
    await settle();
    pages.fake.subscribeAnswer = "accept";
    page.querySelector(".subscribe-reply")!.dispatchEvent("tap");
    await settle();
    expect(posts()).toEqual([{ kinds: ["reply"], ticket: "TICKET" }]);
    // The chat went on throughout.
    expect(page.data.screen).toBe("chat");
  });

  it("asks on the 开始匹配 tap when the templates are known, and not again on the waiting screen", async () => {
    wechat();
    pages.fake.storage.set("onechat.session", { token: "tok", expiresAt: Date.now() + 86_400_000, checkTicket: "TICKET", checkTicketExpiresAt: Date.now() + 7_200_000, userId: "u1" });
    const topics = mount("pages/topics/index");
    await topics.instance.onLoad();
    await settle();
    // The 开始匹配 handler opens the prompt synchronously, then goes on without waiting for it.
    topics.instance.onContinue();
    expect(pages.fake.subscribePrompts).toEqual([["T_MATCH"]]);
    expect(pages.fake.navigations).toEqual(["/pages/chat/index?topic=any"]);
    await settle();
    expect(posts()).toEqual([{ kinds: ["matched"], ticket: "TICKET" }]);
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "any" });
    await settle();
    pages.fake.lastSocket().open();
    pages.fake.lastSocket().receive({ type: "waiting", online: 1 });
    await settle();
    expect(page.data.screen).toBe("waiting");
    expect(page.querySelector(".subscribe")).toBeFalsy();
  });

  it("换一个 after chat after chat asks once per session, and 开始匹配 then 同意 ask once between them", async () => {
    wechat();
    pages.fake.storage.set("onechat.rulesAccepted", 0);
    pages.fake.storage.set("onechat.session", { token: "tok", expiresAt: Date.now() + 86_400_000, checkTicket: "TICKET", checkTicketExpiresAt: Date.now() + 7_200_000, userId: "u1" });
    const topics = mount("pages/topics/index");
    await topics.instance.onLoad();
    await settle();
    topics.instance.onContinue();
    await settle();
    const rules = mount("pages/rules/index");
    rules.instance.onLoad({ topic: "any" });
    await settle();
    rules.querySelector(".accept")!.dispatchEvent("tap");
    await settle();
    expect(pages.fake.subscribePrompts).toEqual([["T_MATCH"]]);
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "any" });
    await settle();
    for (let i = 0; i < 3; i++) {
      pages.fake.lastSocket().open();
      pages.fake.lastSocket().receive({ type: "matched", roomId: `r${i}`, partner: { alias: "熊猫" }, topic: null });
      await settle();
      const room = pages.fake.lastSocket();
      room.open();
      room.receive({ type: "history", messages: [] });
      room.receive({ type: "partner_left" });
      await settle();
      page.querySelector(".ended-next")!.dispatchEvent("tap");
      await settle();
    }
    expect(pages.fake.subscribePrompts).toEqual([["T_MATCH"]]);
  });

  it("no templates listed, the list unavailable, or no prompt API: no offer, and matching goes on", async () => {
    for (const templates of [{}, "down"] as const) {
      pages.relaunch();
      wechat(templates);
      const page = mount("pages/chat/index");
      await page.instance.onLoad({ topic: "music" });
      await settle();
      pages.fake.lastSocket().open();
      pages.fake.lastSocket().receive({ type: "waiting", online: 1 });
      await settle();
      expect(page.data.screen).toBe("waiting");
      expect(page.querySelector(".subscribe")).toBeFalsy();
    }
    pages.relaunch();
    wechat();
    delete (globalThis as any).wx.requestSubscribeMessage;
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "music" });
    await settle();
    pages.fake.lastSocket().open();
    pages.fake.lastSocket().receive({ type: "waiting", online: 1 });
    await settle();
    // QQ's base library may lack the prompt: no button that would do nothing.
    expect(page.data.screen).toBe("waiting");
    expect(page.querySelector(".subscribe")).toBeFalsy();
    expect(posts()).toEqual([]);
  });
});

describe("report sheet", () => {
  it("offers 疑似未成年 and sends exactly that reason", async () => {
    pages.fake.storage.set("onechat.profile", { avatarUrl: "", nickname: "" });
    pages.fake.storage.set("onechat.rulesAccepted", 1);
    pages.fake.storage.set("onechat.adult", { confirmedAt: 1 });
    pages.fake.storage.set("onechat.adultSentFor", "u1");
    const page = mount("pages/chat/index");
    await page.instance.onLoad({ topic: "music" });
    await settle();
    const room = await matchIntoRoom(pages, { match: { partner: { alias: "熊猫" } } });
    page.querySelector(".report-link")!.dispatchEvent("tap");
    await settle();
    const item = [...page.querySelector(".report-sheet")!.querySelectorAll(".reason")].find((n) => n.dom!.textContent === "疑似未成年")!;
    item.dispatchEvent("tap");
    await settle();
    expect(room.frames).toEqual([{ type: "report", category: "minor" }]);
  });
});
