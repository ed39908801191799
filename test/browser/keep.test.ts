// 保持联系 in the web chat, in Chromium: two tabs meet with the same first line, one taps (the
// other sees nothing), both tap (both see it kept), they part, and each comes back through
// 我的聊天 with the history, an unread count, and live delivery.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { chromiumPath, closeAll, launch, newPage, screenshot } from "./browser";
import { expectShown, send, startChat, waitChatting } from "./chat-page";

const PHONE = { width: 390, height: 844 };
const keepState = (page: Page) => page.evaluate(() => document.getElementById("keep")!.dataset.keep);

describe.skipIf(!chromiumPath)("web chat: keep in touch and come back", () => {
  let worker: LocalWorker;
  let browser: Browser;
  beforeAll(async () => {
    worker = await startLocalWorker({ port: 9623, vars: { D1_FLUSH_DELAY_MS: "50" } });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
  });

  it("two tabs keep in touch, part, and reopen the chat from 我的聊天", async () => {
    const a = await newPage(browser, "zh-CN", PHONE);
    const b = await newPage(browser, "zh-CN", PHONE);
    try {
      await startChat(a.page, worker.url);
      await a.page.waitForSelector('body[data-phase="waiting"]');
      await startChat(b.page, worker.url);
      await Promise.all([waitChatting(a.page), waitChatting(b.page)]);

      // The same first line on both sides; a tap puts it in the input.
      await a.page.waitForSelector("#prompt:not([hidden])");
      const promptA = await a.page.textContent("#prompt");
      expect(promptA).toBe(await b.page.textContent("#prompt"));
      await a.page.click("#prompt");
      const line = await a.page.inputValue("#text");
      expect(promptA).toContain(line);
      expect(line.length).toBeGreaterThan(0);
      await a.page.press("#text", "Enter");
      await expectShown(b.page, [{ from: "partner", text: line }]);

      // One tap: A sees it asked; B sees nothing.
      await a.page.click("#keep");
      await a.page.waitForSelector('#keep[data-keep="pending"]');
      await send(b.page, "嗨");
      await expectShown(a.page, [
        { from: "me", text: line },
        { from: "partner", text: "嗨" },
      ]);
      expect(await keepState(b.page)).toBe("none");
      expect(await b.page.isHidden("#kept-note")).toBe(true);
      // Both: both see it kept.
      await b.page.click("#keep");
      await Promise.all([a.page.waitForSelector("#kept-note:not([hidden])"), b.page.waitForSelector("#kept-note:not([hidden])")]);
      await screenshot(a.page, "chat-kept");

      // They part.
      await a.page.click("#leave");
      await b.page.waitForSelector('body[data-phase="ended"]');
      await b.page.click("#leave");
      await a.page.waitForSelector("#chats li.kept");
      await b.page.waitForSelector("#chats li.kept");

      // Later A reopens it from the list: the history is there, and A writes.
      await a.page.click("#chats .kept-open");
      await waitChatting(a.page);
      await expectShown(a.page, [
        { from: "me", text: line },
        { from: "partner", text: "嗨" },
      ]);
      expect(await keepState(a.page)).toBe("kept");
      await send(a.page, "还记得我吗？");
      await expectShown(a.page, [
        { from: "me", text: line },
        { from: "partner", text: "嗨" },
        { from: "me", text: "还记得我吗？" },
      ]);

      // B's list shows it unread (after a reload, as coming back to the page); B opens it and answers live.
      await expect
        .poll(
          async () => {
            await b.page.reload();
            await b.page.waitForSelector("#chats li.kept");
            return b.page.evaluate(() => document.querySelector("#chats .unread")?.textContent ?? null);
          },
          { timeout: 30_000, interval: 200 },
        )
        .toBe("1");
      await screenshot(b.page, "chat-list");
      await b.page.click("#chats .kept-open");
      await waitChatting(b.page);
      await expectShown(b.page, [
        { from: "partner", text: line },
        { from: "me", text: "嗨" },
        { from: "partner", text: "还记得我吗？" },
      ]);
      await send(b.page, "当然");
      await expectShown(a.page, [
        { from: "me", text: line },
        { from: "partner", text: "嗨" },
        { from: "me", text: "还记得我吗？" },
        { from: "partner", text: "当然" },
      ]);
      expect(a.errors.concat(b.errors)).toEqual([]);
    } finally {
      await closeAll(a.context, b.context);
    }
  });

  it("an admin edits the general first lines in the console; the next match shows the new one", async () => {
    const admin = await newPage(browser, "zh-CN");
    const c = await newPage(browser, "zh-CN", PHONE);
    const d = await newPage(browser, "zh-CN", PHONE);
    try {
      await admin.page.goto(`${worker.url}/admin#/topics`);
      await admin.page.fill("#token", worker.vars.ADMIN_TOKEN);
      await admin.page.press("#token", "Enter");
      const general = 'form.topic-edit[data-topic="general"]';
      await admin.page.waitForSelector(general);
      await admin.page.fill(`${general} textarea`, "今天想聊点什么？");
      await admin.page.click(`${general} button[type="submit"]`);
      await admin.page.waitForSelector("#toast:not([hidden])");
      expect(await admin.page.textContent("#toast")).toBe("已保存");
      await screenshot(admin.page, "console-topics");

      await startChat(c.page, worker.url);
      await c.page.waitForSelector('body[data-phase="waiting"]');
      await startChat(d.page, worker.url);
      await Promise.all([waitChatting(c.page), waitChatting(d.page)]);
      await c.page.waitForSelector("#prompt:not([hidden])");
      expect(await c.page.textContent("#prompt")).toContain("今天想聊点什么？");
      expect(admin.errors.concat(c.errors, d.errors)).toEqual([]);
    } finally {
      await closeAll(admin.context, c.context, d.context);
    }
  });
});
