// Starting what the browser tests need: the system's Chromium through playwright-core (the
// browser cannot be downloaded here), the worker in Miniflare on a fixed port, and a place for
// screenshots. Without a Chromium the tests skip with one line saying so.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

const root = fileURLToPath(new URL("../..", import.meta.url));
export const SCREENSHOT_DIR = join(root, "test/browser/output");
/** With UPDATE_SCREENSHOTS=1 the shots also replace the README's in docs/screenshots. */
const DOCS_DIR = process.env.UPDATE_SCREENSHOTS === "1" ? join(root, "docs/screenshots") : null;

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
export const chromiumPath = CANDIDATES.find((p): p is string => !!p && existsSync(p)) ?? null;
if (!chromiumPath) console.warn("browser tests skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)");

/** Headless, no sandbox (root in a container), nothing phoning home; playwright gives each launch a fresh profile. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath!,
    headless: true,
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export type Lang = "zh-CN" | "en-US";

export async function newPage(browser: Browser, locale: Lang = "zh-CN", viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ locale, viewport });
  const page = await context.newPage();
  // A page error is a bug in the page: fail loudly rather than pass on a half-rendered view.
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/WebSocket|Failed to load resource/.test(msg.text())) errors.push(msg.text());
  });
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (DOCS_DIR) {
    mkdirSync(DOCS_DIR, { recursive: true });
    copyFileSync(path, join(DOCS_DIR, `${name}.png`));
  }
}

export async function closeAll(...contexts: (BrowserContext | undefined)[]) {
  await Promise.all(contexts.map((c) => c?.close()));
}
