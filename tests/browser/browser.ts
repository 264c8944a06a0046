// Browser-test helpers: Debian's Chromium driven by playwright-core, the embedded app opened the way
// the admin opens it (through the local store's /admin/apps/<key> redirect, which adds a fresh
// id_token), and screenshots saved under test-artifacts/screenshots/ (gitignored).
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { HYDRATED_ATTRIBUTE } from "../../app/components/hydrated";
import { projectRoot } from "../../lib/config";
import { chromiumPath } from "../../scripts/lib/chromium.mjs";
import { BROWSER_USER_AGENT, DEMO_SHOP, TEST_API_KEY, type TestStack } from "../harness/stack";

export const CHROMIUM_PATH = chromiumPath();
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-gpu",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
export const SCREENSHOT_DIR = path.join(projectRoot, "test-artifacts", "screenshots");

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/**
 * A browser context for the app. Nothing outside this machine can be reached: Shopify's CDN (the
 * Inter font stylesheet the app links, App Bridge's preload hint) answers from here — the font with
 * an empty stylesheet (Polaris falls back to system fonts), anything else with 404. App Bridge
 * itself is the local store's stand-in (the app swaps its URL when SHOPIFY_LOCAL_STORE_URL is set).
 * Headless Chromium calls itself "HeadlessChrome", which the Shopify library answers with 410 (a
 * bot): the context uses a desktop Chrome user agent.
 */
export async function appContext(browser: Browser): Promise<{ context: BrowserContext; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    userAgent: BROWSER_USER_AGENT,
  });
  await context.route("https://cdn.shopify.com/**", (route) =>
    route.request().url().endsWith(".css")
      ? route.fulfill({ status: 200, contentType: "text/css", body: "" })
      : route.fulfill({ status: 404, body: "" }),
  );
  const errors: string[] = [];
  context.on("page", (page) => {
    page.on("pageerror", (error) => errors.push(`pageerror: ${error.message} [on ${page.url()}]`));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console: ${message.text()} [on ${page.url()}]`);
    });
  });
  return { context, errors };
}

/** Opens the app's home in `page` as the local store's admin does, for `shop`. */
export async function openApp(stack: TestStack, page: Page, shop = DEMO_SHOP): Promise<void> {
  await page.goto(`${stack.store.url}/admin/apps/${TEST_API_KEY}?shop=${shop}`);
  await waitForHydration(page);
}

/** Waits until React has hydrated the page now loaded (see HYDRATED_ATTRIBUTE). */
export async function waitForHydration(page: Page): Promise<void> {
  await page.locator(`html[${HYDRATED_ATTRIBUTE}]`).waitFor({ state: "attached" });
}

/** Opens any app path directly, embedded-style, with a fresh session token in the URL. */
export async function openAppPath(stack: TestStack, page: Page, pathname: string, shop = DEMO_SHOP): Promise<void> {
  const url = new URL(pathname, stack.appUrl);
  url.searchParams.set("embedded", "1");
  url.searchParams.set("shop", shop);
  url.searchParams.set("host", Buffer.from(`admin.shopify.com/store/${shop.split(".")[0]}`).toString("base64url"));
  url.searchParams.set("id_token", await stack.sessionToken(shop));
  await page.goto(url.toString());
  await waitForHydration(page);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * The README's tour pictures: the visible part of the page, as JPEG to keep the repository small, without
 * the toasts of earlier steps. Every run writes them to test-artifacts/screenshots/; the committed copies in
 * docs/screenshots/ are written when missing or with UPDATE_SCREENSHOTS=1, so a test run leaves the tree clean.
 */
export const DOCS_SCREENSHOT_DIR = path.join(projectRoot, "docs", "screenshots");

export async function docScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.jpg`);
  // The screenshot's style is a node appended to <html>: during hydration React reads it as a mismatch.
  await waitForHydration(page);
  await page.screenshot({
    path: file,
    type: "jpeg",
    quality: 70,
    animations: "disabled",
    style: "#app-bridge-standin-toasts { display: none }",
  });
  const committed = path.join(DOCS_SCREENSHOT_DIR, `${name}.jpg`);
  if (process.env.UPDATE_SCREENSHOTS === "1" || !existsSync(committed)) {
    mkdirSync(DOCS_SCREENSHOT_DIR, { recursive: true });
    copyFileSync(file, committed);
  }
  return file;
}
