// The web chat in Chromium: two browser contexts (two people) meet through the real lobby,
// talk both ways, and one drops off the network and comes back without losing or doubling
// a message.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { chromiumPath, closeAll, launch, newPage, screenshot } from "./browser";
import { expectShown, send, shown, startChat, waitChatting } from "./chat-page";
import { startProxy, type CuttableProxy } from "./cuttable-proxy";

const PHONE = { width: 390, height: 844 };

describe.skipIf(!chromiumPath)("web chat in Chromium", () => {
  let worker: LocalWorker;
  let browser: Browser;
  /** A reaches the worker through this relay, so its network can really go away. */
  let aNetwork: CuttableProxy;
  beforeAll(async () => {
    // REMATCH_COOLDOWN_MS: A and B meet again right after 换一个 here (the cooldown has its own workerd tests).
    worker = await startLocalWorker({ port: 9620, vars: { D1_FLUSH_DELAY_MS: "50", REMATCH_COOLDOWN_MS: "1" } });
    aNetwork = await startProxy(9622, 9620);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await aNetwork?.close();
    await worker?.stop();
  });

  it("two people meet, chat both ways, one goes offline and back: nothing lost or repeated; 换一个 and block", async () => {
    const a = await newPage(browser, "zh-CN", PHONE);
    const b = await newPage(browser, "en-US", PHONE);
    let c: Awaited<ReturnType<typeof newPage>> | undefined;
    try {
      await a.page.goto(aNetwork.url);
      await a.page.waitForSelector("#topics label.topic");
      // No matching before the 18+ confirmation.
      await a.page.click("#start");
      await a.page.waitForSelector("#toast:not([hidden])");
      expect(await a.page.textContent("#toast")).toBe("请先确认你已年满18周岁");
      expect(await a.page.evaluate(() => document.body.dataset.phase)).toBe("idle");
      await a.page.check("#adult");
      await a.page.evaluate(() => (document.getElementById("toast")!.hidden = true));
      await screenshot(a.page, "chat-start");
      await startChat(a.page, aNetwork.url);
      await a.page.waitForSelector('body[data-phase="waiting"]');
      await expect.poll(() => a.page.textContent("#online"), { timeout: 10_000 }).toMatch(/\d/);
      await screenshot(a.page, "chat-waiting");
      await startChat(b.page, worker.url);
      await Promise.all([waitChatting(a.page), waitChatting(b.page)]);
      await a.page.waitForSelector('#presence[data-presence="online"]');

      // Typing shows on the other side before the message arrives.
      await a.page.type("#text", "你好");
      await b.page.waitForSelector("#typing:not([hidden])");
      await a.page.press("#text", "Enter");
      await expectShown(b.page, [{ from: "partner", text: "你好" }]);
      await send(b.page, "hello back");
      await expectShown(a.page, [
        { from: "me", text: "你好" },
        { from: "partner", text: "hello back" },
      ]);

      // A's network goes away: A's page says it is reconnecting, B sees A offline.
      aNetwork.cut();
      await a.context.setOffline(true);
      await a.page.waitForSelector('body[data-connected="false"]', { timeout: 60_000 });
      await b.page.waitForSelector('#presence[data-presence="offline"]', { timeout: 60_000 });
      expect(await a.page.textContent("#status")).toBe("网络断开，正在重连…");
      await send(b.page, "b while you were away 1");
      await send(b.page, "b while you were away 2");
      await expectShown(b.page, [
        { from: "partner", text: "你好" },
        { from: "me", text: "hello back" },
        { from: "me", text: "b while you were away 1" },
        { from: "me", text: "b while you were away 2" },
      ]);
      await send(a.page, "a typed offline");
      expect((await shown(a.page)).at(-1)).toEqual({ from: "me", text: "a typed offline", status: "pending" });
      await screenshot(a.page, "chat-offline");

      // Back online: the client resumes the room; each message is there exactly once, in order.
      aNetwork.restore();
      await a.context.setOffline(false);
      await waitChatting(a.page);
      await expectShown(a.page, [
        { from: "me", text: "你好" },
        { from: "partner", text: "hello back" },
        { from: "partner", text: "b while you were away 1" },
        { from: "partner", text: "b while you were away 2" },
        { from: "me", text: "a typed offline" },
      ]);
      await expectShown(b.page, [
        { from: "partner", text: "你好" },
        { from: "me", text: "hello back" },
        { from: "me", text: "b while you were away 1" },
        { from: "me", text: "b while you were away 2" },
        { from: "partner", text: "a typed offline" },
      ]);
      await b.page.waitForSelector('#presence[data-presence="online"]');
      await screenshot(a.page, "chat-zh");
      await screenshot(b.page, "chat-en");

      // 换一个: B moves on, A is told the partner left.
      await b.page.click("#next");
      await a.page.waitForSelector('body[data-phase="ended"]');
      expect(await a.page.textContent("#ended")).toBe("对方已离开聊天");
      await b.page.waitForSelector('body[data-phase="waiting"]');

      // A looks again and meets B (the only one waiting), with their earlier chat; then blocks B.
      await a.page.click("#next");
      await Promise.all([waitChatting(a.page), waitChatting(b.page)]);
      await a.page.waitForSelector("#messages li.divider");
      await a.page.click("#block");
      await a.page.waitForSelector('body[data-phase="ended"]');
      expect(await a.page.textContent("#ended")).toBe("已屏蔽，你们不会再匹配到");
      await b.page.waitForSelector('body[data-phase="ended"]');

      // Both look again with a third person around: the third meets one of them, never A with B.
      await a.page.click("#next");
      await b.page.click("#next");
      await Promise.all([a.page.waitForSelector('body[data-phase="waiting"]'), b.page.waitForSelector('body[data-phase="waiting"]')]);
      c = await newPage(browser, "zh-CN", PHONE);
      await startChat(c.page, worker.url);
      await waitChatting(c.page);
      const phases = await Promise.all([a.page, b.page].map((p) => p.evaluate(() => document.body.dataset.phase)));
      expect(phases.sort()).toEqual(["chatting", "waiting"]);
      expect(a.errors.concat(b.errors, c.errors)).toEqual([]);
    } finally {
      await closeAll(a.context, b.context, c?.context);
    }
  });
});

describe.skipIf(!chromiumPath)("/ without dev login", () => {
  let worker: LocalWorker;
  let browser: Browser;
  beforeAll(async () => {
    worker = await startLocalWorker({ port: 9621, vars: { DEV_LOGIN: "false" } });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  it("explains that onechat lives in the WeChat/QQ mini program", async () => {
    const { context, page } = await newPage(browser, "zh-CN", PHONE);
    try {
      await page.goto(worker.url);
      expect(await page.textContent("main")).toContain("微信 / QQ 小程序");
      expect(await page.$("#start")).toBeNull();
      await screenshot(page, "about");
    } finally {
      await context.close();
    }
  });
});
