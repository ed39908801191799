// The moderation additions in Chromium: the care card in the web chat (for the writer only; no AI
// binding here, so the documented phrase list decides), and in the console the safety model's
// verdict beside each snapshot, the severity order and the category filter. Verdicts are written
// into D1 as the triage would (the triage itself, against a fake model, is tested in test/worker).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { chromiumPath, closeAll, launch, newPage, screenshot } from "./browser";
import { expectShown, send, sessionOf, startChat, waitChatting } from "./chat-page";

const PHONE = { width: 390, height: 844 };

describe.skipIf(!chromiumPath)("moderation in Chromium", () => {
  let worker: LocalWorker;
  let browser: Browser;
  const contexts: Awaited<ReturnType<typeof newPage>>[] = [];
  const open = async (locale: "zh-CN" | "en-US" = "zh-CN", viewport?: { width: number; height: number }) => {
    const p = await newPage(browser, locale, viewport);
    contexts.push(p);
    return p;
  };

  beforeAll(async () => {
    worker = await startLocalWorker({ port: 9623, vars: { D1_FLUSH_DELAY_MS: "50" } });
    browser = await launch();
  });
  afterAll(async () => {
    await closeAll(...contexts.map((c) => c.context));
    await browser?.close();
    await worker?.stop();
  });

  let writerId = "";
  let partnerId = "";

  it("shows the care card to the person who wrote of self-harm, never to the partner", async () => {
    const writer = await open("zh-CN", PHONE);
    const partner = await open("zh-CN", PHONE);
    await startChat(writer.page, worker.url);
    await writer.page.waitForSelector('body[data-phase="waiting"]');
    await startChat(partner.page, worker.url);
    await Promise.all([waitChatting(writer.page), waitChatting(partner.page)]);
    await send(writer.page, "最近真的不想活了");
    await writer.page.waitForSelector("#care:not([hidden])");
    expect(await writer.page.textContent("#care")).toContain("12356");
    expect(await writer.page.getAttribute("#care a.care-call", "href")).toBe("tel:12356");
    await expectShown(partner.page, [{ from: "partner", text: "最近真的不想活了" }]);
    expect(await partner.page.isHidden("#care")).toBe(true);
    await screenshot(writer.page, "chat-care");
    await writer.page.click("#care-close");
    await writer.page.waitForSelector("#care", { state: "hidden" });
    writerId = (await sessionOf(writer.page)).userId;
    partnerId = (await sessionOf(partner.page)).userId;
  });

  /** A report as the triage leaves it: the report row and, unless null, its verdict row. */
  async function seedReport(id: number, text: string, verdict: { status: string; hazards: string; categories: string; severity: number } | null) {
    const db = await worker.mf.getD1Database("DB");
    const snapshot = JSON.stringify([{ id: `m${id}`, seq: 1, from: "reported", text, at: Date.now() - 60_000 }]);
    await db
      .prepare("INSERT INTO reports (id, reporter_id, reported_id, conversation_id, reason, snapshot, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .bind(id, writerId, partnerId, `conv-${id}`, "骚扰/辱骂", snapshot, Date.now() - (10 - id) * 1000)
      .run();
    if (verdict) {
      await db
        .prepare("INSERT INTO ai_verdicts (report_id, status, hazards, categories, severity, model, at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(id, verdict.status, verdict.hazards, verdict.categories, verdict.severity, "@cf/meta/llama-guard-3-8b", Date.now())
        .run();
    }
  }

  it("shows each verdict beside its snapshot, the worst first, and filters the queue by category", async () => {
    // Oldest to newest: newest-first alone would put these the wrong way round.
    await seedReport(1, "我才初中生，给你发照片", { status: "unsafe", hazards: "S4,S12", categories: ",child,sexual,", severity: 0 });
    await seedReport(2, "先转账五百保证金", { status: "unsafe", hazards: "S2", categories: ",fraud,", severity: 3 });
    await seedReport(3, "今天好热", { status: "safe", hazards: "", categories: "", severity: 4 });
    await seedReport(4, "我砍死你", { status: "over_budget", hazards: "", categories: "", severity: 4 });
    await seedReport(5, "在吗", null);

    const admin = await open("zh-CN");
    const { page } = admin;
    await page.goto(`${worker.url}/admin`);
    await page.fill("#token", worker.vars.ADMIN_TOKEN);
    await page.press("#token", "Enter");
    await page.waitForSelector("#app:not([hidden])");
    await page.waitForSelector('article.report[data-report="5"]');
    const ids = () => page.$$eval("article.report", (cards) => cards.map((c) => (c as HTMLElement).dataset.report));
    expect(await ids()).toEqual(["1", "2", "5", "4", "3"]);
    const verdictOf = (id: number) => page.locator(`article.report[data-report="${id}"] .verdict`);
    expect(await verdictOf(1).locator(".category").allTextContents()).toEqual(["未成年人相关", "色情"]);
    expect(await verdictOf(1).textContent()).toContain("(S4, S12)");
    expect(await verdictOf(3).textContent()).toContain("未发现违规");
    expect(await verdictOf(4).textContent()).toContain("未分类（今日分类额度已用完）");
    expect(await verdictOf(5).textContent()).toBe("未经模型分类");
    // No AI binding on this worker: the console says triage is off.
    expect(await page.textContent("#triage-status")).toContain("未配置自动分类");
    await screenshot(page, "console-triage");

    await page.selectOption("#category-filter", "fraud");
    await expect.poll(ids, { timeout: 10_000 }).toEqual(["2"]);
    expect(page.url()).toContain("#/reports/open/fraud");
    await page.selectOption("#category-filter", "sexual");
    await expect.poll(ids, { timeout: 10_000 }).toEqual(["1"]);
    await page.selectOption("#category-filter", "");
    await expect.poll(ids, { timeout: 10_000 }).toEqual(["1", "2", "5", "4", "3"]);
  });
});
