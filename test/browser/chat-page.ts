// Driving the web chat page the way a person would: pick "anyone", wait to be matched, type,
// and read back what the page shows.
import { expect } from "vitest";
import type { Page } from "playwright-core";

export interface Shown {
  from: string;
  text: string;
  status: string;
}

export async function startChat(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.check("#adult");
  await page.click("#start");
}

export async function waitChatting(page: Page): Promise<void> {
  await page.waitForSelector('body[data-phase="chatting"][data-connected="true"]', { timeout: 30_000 });
}

export async function send(page: Page, text: string): Promise<void> {
  await page.fill("#text", text);
  await page.press("#text", "Enter");
}

export function shown(page: Page): Promise<Shown[]> {
  return page.$$eval("#messages li.msg", (items) =>
    items.map((li) => ({
      from: (li as HTMLElement).dataset.from ?? "",
      text: li.querySelector(".text")?.textContent ?? "",
      status: (li as HTMLElement).dataset.status ?? "",
    })),
  );
}

/** Waits until the page shows exactly these messages (text and side), all sent. */
export async function expectShown(page: Page, expected: { from: string; text: string }[]): Promise<void> {
  const want = expected.map((m) => ({ ...m, status: "sent" }));
  await expect.poll(() => shown(page), { timeout: 30_000, interval: 100 }).toEqual(want);
}

export async function sessionOf(page: Page): Promise<{ userId: string; token: string }> {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem("onechat.web.session") ?? "null"));
}

export const roomOf = (page: Page) => page.evaluate(() => document.body.dataset.room ?? "");
