// The admin console in Chromium, against reports made in the web chat: sign-in, the report
// queue with its snapshot, a ban that closes the banned person's chat, deleting history, and
// a screenshot of every page.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { chromiumPath, closeAll, launch, newPage, screenshot } from "./browser";
import { expectShown, roomOf, send, sessionOf, startChat, waitChatting } from "./chat-page";

const PHONE = { width: 390, height: 844 };

describe.skipIf(!chromiumPath)("admin console in Chromium", () => {
  let worker: LocalWorker;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof newPage>>;
  let adminToken: string;
  // The people of this file's story, in their own contexts.
  const people: Awaited<ReturnType<typeof newPage>>[] = [];
  const person = async (locale: "zh-CN" | "en-US" = "zh-CN") => {
    const p = await newPage(browser, locale, PHONE);
    people.push(p);
    return p;
  };

  beforeAll(async () => {
    worker = await startLocalWorker({ port: 9610, vars: { D1_FLUSH_DELAY_MS: "50" } });
    adminToken = worker.vars.ADMIN_TOKEN;
    browser = await launch();
    admin = await newPage(browser, "zh-CN");
    // Destructive buttons ask first; the test answers yes.
    admin.page.on("dialog", (dialog) => void dialog.accept());
  });
  afterAll(async () => {
    await closeAll(admin?.context, ...people.map((p) => p.context));
    await browser?.close();
    await worker?.stop();
  });

  /** Opens a console page afresh, a real load (the token stays in this tab's sessionStorage). */
  const go = async (page: Page, hash: string) => {
    await page.goto("about:blank");
    await page.goto(`${worker.url}/admin${hash}`);
    await page.waitForSelector("#app:not([hidden])");
  };

  it("refuses a wrong token at sign-in and keeps the token out of the URL", async () => {
    const { page } = admin;
    const res = await page.goto(`${worker.url}/admin`);
    expect(res?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await page.fill("#token", "not-the-token");
    await page.press("#token", "Enter");
    await page.waitForSelector("#signin-error:not([hidden])");
    expect(await page.textContent("#signin-error")).toBe("令牌错误，请重试");
    expect(await page.isHidden("#app")).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem("onechat.admin.token"))).toBeNull();
    await screenshot(page, "console-signin");

    await page.fill("#token", adminToken);
    await page.press("#token", "Enter");
    await page.waitForSelector("#app:not([hidden])");
    expect(page.url()).not.toContain(adminToken);
    // Live figures arrive from the lobby and D1.
    await expect.poll(() => page.textContent("#live-reports"), { timeout: 10_000 }).toMatch(/^\d+$/);
  });

  let reporter: Awaited<ReturnType<typeof newPage>>;
  let offender: Awaited<ReturnType<typeof newPage>>;

  it("shows a report made in the web chat in the queue, with its snapshot and the reported message highlighted", async () => {
    reporter = await person("zh-CN");
    offender = await person("en-US");
    await startChat(reporter.page, worker.url);
    await reporter.page.waitForSelector('body[data-phase="waiting"]');
    await startChat(offender.page, worker.url);
    await Promise.all([waitChatting(reporter.page), waitChatting(offender.page)]);
    await send(reporter.page, "你好呀");
    await send(offender.page, "you are an idiot");
    await expectShown(reporter.page, [
      { from: "me", text: "你好呀" },
      { from: "partner", text: "you are an idiot" },
    ]);
    const offenderId = (await sessionOf(offender.page)).userId;
    const reporterId = (await sessionOf(reporter.page)).userId;

    await reporter.page.click("#report-open");
    await reporter.page.fill("#report-reason", "辱骂");
    await reporter.page.press("#report-reason", "Enter");
    await reporter.page.waitForSelector('body[data-phase="ended"]');
    expect(await reporter.page.textContent("#ended")).toBe("已举报，你们不会再匹配到");
    await offender.page.waitForSelector('body[data-phase="ended"]');

    const { page } = admin;
    await go(page, "#/reports");
    const card = page.locator("article.report", { hasText: "辱骂" });
    await card.waitFor();
    expect(await card.locator(".reason").textContent()).toBe("辱骂");
    expect(await card.locator("dd a.id").allTextContents()).toEqual([reporterId, offenderId, await roomOf(reporter.page)]);
    expect(await card.locator(".count").textContent()).toBe("该用户共被举报 1 次");
    expect(await card.locator(".snap .text").allTextContents()).toEqual(["你好呀", "you are an idiot"]);
    expect(await card.locator(".snap.highlight .text").textContent()).toBe("you are an idiot");
    await expect.poll(() => page.textContent("#live-reports"), { timeout: 10_000 }).toBe("1");
    await screenshot(page, "console-reports");
  });

  it("bans from the queue with a note: the banned person's chat closes and the report leaves the queue, audited", async () => {
    // The offender moves on and meets someone new.
    const next = await person("zh-CN");
    await offender.page.click("#next");
    await offender.page.waitForSelector('body[data-phase="waiting"]');
    // The lobby's own count of people waiting reaches the console's live figures.
    await expect.poll(() => admin.page.textContent("#live-waiting"), { timeout: 10_000 }).toBe("1");
    await startChat(next.page, worker.url);
    await Promise.all([waitChatting(offender.page), waitChatting(next.page)]);
    await send(next.page, "hi there");
    await send(offender.page, "hello again");
    await expectShown(next.page, [
      { from: "me", text: "hi there" },
      { from: "partner", text: "hello again" },
    ]);
    await expect.poll(() => admin.page.textContent("#live-rooms"), { timeout: 10_000 }).not.toBe("0");

    const { page } = admin;
    const card = page.locator("article.report", { hasText: "辱骂" });
    await card.locator("input.note").fill("多次辱骂");
    await card.locator('button[data-action="ban"]').click();
    await card.waitFor({ state: "detached" });
    await page.waitForSelector("text=没有举报");

    // The banned person's chat closes; their partner is told they left.
    await offender.page.waitForSelector('body[data-phase="ended"]');
    expect(await offender.page.textContent("#ended")).toBe("This account has been banned");
    await next.page.waitForSelector('body[data-phase="ended"]');
    expect(await next.page.textContent("#ended")).toBe("对方已离开聊天");
    await screenshot(offender.page, "chat-banned");

    await go(page, "#/reports/handled");
    const handled = page.locator("article.report", { hasText: "辱骂" });
    await handled.waitFor();
    expect(await handled.locator(".handled").textContent()).toContain("多次辱骂");
    await screenshot(page, "console-reports-handled");

    await go(page, "#/audit");
    await page.waitForSelector('#audit-rows tr[data-action="handle_report_ban"]');
    await page.waitForSelector('#audit-rows tr[data-action="ban_user"]');
    // The wrong token at sign-in is in the log too.
    await page.waitForSelector('#audit-rows tr[data-action="admin_auth_failed"]');
    await screenshot(page, "console-audit");

    const offenderId = (await sessionOf(offender.page)).userId;
    await go(page, `#/u/${offenderId}`);
    await page.waitForSelector('#ban-state[data-banned="true"]');
    expect(await page.locator("article.report .reason").allTextContents()).toEqual(["辱骂"]);
    // Matching can be suspended pending review, and lifted, from the same page.
    await page.waitForSelector('#matching-state[data-suspended="false"]');
    await page.click('button[data-action="suspend-matching"]');
    await page.waitForSelector('#matching-state[data-suspended="true"]');
    await screenshot(page, "console-user");
    await page.click('button[data-action="resume-matching"]');
    await page.waitForSelector('#matching-state[data-suspended="false"]');
  });

  it("delete history empties the conversation view", async () => {
    const conversation = await roomOf(people[2].page);
    const { page } = admin;
    await go(page, `#/c/${conversation}`);
    // The room copies to D1 in batches: look again until both messages are there.
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.waitForSelector("#conversation-empty", { state: "attached" });
          return page.locator("#conversation-messages .text").allTextContents();
        },
        { timeout: 20_000, interval: 300 },
      )
      .toEqual(["hi there", "hello again"]);
    await screenshot(page, "console-conversation");

    await page.click('button[data-action="delete-history"]');
    await page.waitForSelector("#conversation-empty:not([hidden])");
    expect(await page.locator("#conversation-messages li").count()).toBe(0);
    await page.reload();
    await page.waitForSelector("#conversation-empty:not([hidden])");
    expect(await page.locator("#conversation-messages li").count()).toBe(0);
  });

  it("edits the filter words and shows the remaining pages", async () => {
    const { page } = admin;
    await go(page, "#/words");
    await page.waitForSelector("#new-words");
    await page.fill("#new-words", "垃圾广告, spamword");
    await page.press("#new-words", "Enter");
    await page.waitForSelector('#word-list .word:text-is("spamword")');
    await page.waitForSelector('#word-list .word:text-is("垃圾广告")');
    await screenshot(page, "console-words");
    await page.click('button[data-action="remove-spamword"]');
    await page.locator('#word-list .word:text-is("spamword")').waitFor({ state: "detached" });

    await go(page, "#/flagged");
    await page.waitForSelector("#flagged-list", { state: "attached" });
    await screenshot(page, "console-flagged");
    await go(page, "#/users");
    await page.waitForSelector("#user-list li");
    await screenshot(page, "console-users");

    // Phone width, English: the same queue still fits.
    const phone = await newPage(browser, "en-US", PHONE);
    people.push(phone);
    // Keyboard only: the token field has focus on arrival; the nav is reachable with Tab.
    await phone.page.goto(`${worker.url}/admin`);
    await phone.page.keyboard.type(adminToken);
    await phone.page.keyboard.press("Enter");
    await phone.page.waitForSelector("#app:not([hidden])");
    for (let i = 0; i < 12; i++) {
      if (await phone.page.evaluate(() => document.activeElement?.getAttribute("data-nav") === "audit")) break;
      await phone.page.keyboard.press("Shift+Tab");
    }
    await phone.page.keyboard.press("Enter");
    await phone.page.waitForSelector('#audit-rows tr[data-action="console_sign_in"]');
    await go(phone.page, "#/reports/handled");
    await phone.page.waitForSelector("article.report");
    expect(await phone.page.textContent("nav")).toContain("Reports");
    await screenshot(phone.page, "console-phone-en");
    expect(admin.errors.concat(phone.errors)).toEqual([]);
  });
});
