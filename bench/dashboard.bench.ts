/**
 * Products dashboard speed in headless Chromium on the local stack (local store + built app +
 * SQLite + Redis): Largest Contentful Paint and Cumulative Layout Shift of /app for a shop with 250
 * products (each with a photo), against the same page for the seeded demo shop (21 products),
 * measured in the same run. Each load is a fresh browser context (cold cache), opened as the admin
 * opens the app (its URL with a fresh session token); the median of RUNS loads is reported.
 *
 * Needs the app build (`npm run setup` or `npx remix vite:build`) and Chromium at /usr/bin/chromium
 * (CHROMIUM_PATH). Run alone: npx tsx bench/dashboard.bench.ts (about a minute).
 */
import type { Browser } from "playwright-core";
import { OTHER_SHOP } from "../devstore";
import { ProductsDashboardDocument, type ProductsDashboardQuery } from "../lib/shopify-admin";
import { appContext, launchChromium, openAppPath } from "../tests/browser/browser";
import { DEMO_SHOP, startTestStack, type TestStack } from "../tests/harness/stack";
import { figure, median, type Figure } from "./figure";

const RUNS = 5;
const PRODUCTS = 250;
/** After the page is loaded and the network is idle, how long to keep watching for shifts. */
const SETTLE_MS = 1500;

interface PageMetrics {
  lcpMs: number;
  cls: number;
  /** What the largest contentful paint was, e.g. "p This server runs the tiny model profile". */
  lcpElement: string;
}

/** Collects LCP and CLS from the first paint on (buffered entries), as web-vitals does. */
const OBSERVE = `
window.__vitals = { lcp: 0, cls: 0, element: "" };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    window.__vitals.lcp = e.startTime;
    window.__vitals.element = e.element ? e.element.tagName.toLowerCase() + " " + (e.element.textContent || e.url || "").trim().slice(0, 40) : e.url;
  }
})
  .observe({ type: "largest-contentful-paint", buffered: true });
new PerformanceObserver((list) => { for (const e of list.getEntries()) if (!e.hadRecentInput) window.__vitals.cls += e.value; })
  .observe({ type: "layout-shift", buffered: true });
`;

async function measure(browser: Browser, stack: TestStack, shop: string): Promise<PageMetrics> {
  const { context, errors } = await appContext(browser);
  try {
    await context.addInitScript(OBSERVE);
    const page = await context.newPage();
    await openAppPath(stack, page, "/app", shop);
    await page
      .getByRole("heading", { name: "Products", level: 1 })
      .waitFor()
      .catch(async (error: Error) => {
        const text = (
          await page
            .locator("body")
            .innerText()
            .catch(() => "")
        )
          .replace(/\s+/g, " ")
          .slice(0, 300);
        throw new Error(
          `the dashboard of ${shop} did not show its heading (${page.url()}: "${text}"): ${error.message.split("\n")[0]}`,
        );
      });
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(SETTLE_MS);
    const vitals = await page.evaluate(
      () => (window as unknown as { __vitals: { lcp: number; cls: number; element: string } }).__vitals,
    );
    const rows = await page.locator("tbody tr").count();
    if (rows === 0) throw new Error(`the dashboard of ${shop} shows no products`);
    const failures = errors.filter((e) => !e.startsWith("console: Failed to load resource"));
    if (failures.length) throw new Error(`the dashboard logged errors: ${failures.join("; ")}`);
    return { lcpMs: vitals.lcp, cls: vitals.cls, lcpElement: vitals.element };
  } finally {
    await context.close();
  }
}

/**
 * Fills the second shop up to `count` products, each with one of the seeded photos (at 600 px: the
 * dashboard only shows 80 px thumbnails, and the local store processes smaller files faster).
 */
async function fillShop(stack: TestStack, count: number): Promise<void> {
  const demoPhotos = await photoUrls(stack, DEMO_SHOP);
  const BATCH = 25;
  for (let done = (await catalog(stack, OTHER_SHOP)).products; done < count;) {
    const batch = Math.min(BATCH, count - done);
    for (let i = done; i < done + batch; i++) {
      stack.store.control.createProduct(OTHER_SHOP, {
        title: `Bench product ${String(i + 1).padStart(3, "0")}`,
        productType: ["backpack", "vase", "teapot", "boot", "candle"][i % 5],
        imageUrls: [`${demoPhotos[i % demoPhotos.length]!}&width=600`],
      });
    }
    done += batch;
    // Media become READY asynchronously (as in Shopify); a batch at a time keeps the local store's downloads under their timeout.
    const deadline = Date.now() + 60_000;
    for (let ready = 0; ready < done; ready = (await photoUrls(stack, OTHER_SHOP)).length) {
      if (Date.now() > deadline)
        throw new Error(`the local store processed only ${ready} of ${done} bench products' images in time`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The featured image URL of every product of the shop that has a ready one (through the paced Admin client). */
async function photoUrls(stack: TestStack, shop: string): Promise<string[]> {
  return (await catalog(stack, shop)).urls;
}

async function catalog(stack: TestStack, shop: string): Promise<{ urls: string[]; products: number }> {
  const admin = await stack.adminClient(shop);
  const urls: string[] = [];
  let count = 0;
  let after: string | null = null;
  for (;;) {
    const { products }: ProductsDashboardQuery = await admin.request(ProductsDashboardDocument, {
      first: 100,
      after,
      thumbSize: 80,
    });
    count += products.nodes.length;
    for (const node of products.nodes) {
      const image = node.featuredMedia && "image" in node.featuredMedia ? node.featuredMedia.image : null;
      if (image?.url) urls.push(image.url.replace(/[?&]width=\d+|[?&]height=\d+/g, ""));
    }
    if (!products.pageInfo.hasNextPage) return { urls, products: count };
    after = products.pageInfo.endCursor;
  }
}

export async function benchDashboard(log: (line: string) => void = console.log): Promise<Figure[]> {
  const stack = await startTestStack();
  const browser = await launchChromium();
  try {
    await stack.installShop(DEMO_SHOP);
    await stack.installShop(OTHER_SHOP);
    log(`dashboard bench: filling ${OTHER_SHOP} to ${PRODUCTS} products`);
    await fillShop(stack, PRODUCTS);
    const seeded = (await catalog(stack, DEMO_SHOP)).products;
    const large: PageMetrics[] = [];
    const small: PageMetrics[] = [];
    // One warm-up load each (the app server's first requests compile nothing, but open connections).
    await measure(browser, stack, OTHER_SHOP);
    await measure(browser, stack, DEMO_SHOP);
    for (let i = 0; i < RUNS; i++) {
      large.push(await measure(browser, stack, OTHER_SHOP));
      small.push(await measure(browser, stack, DEMO_SHOP));
      log(
        `dashboard bench: run ${i + 1}: LCP ${large[i]!.lcpMs.toFixed(0)} ms (${large[i]!.lcpElement}) / ${small[i]!.lcpMs.toFixed(0)} ms, CLS ${large[i]!.cls.toFixed(3)} / ${small[i]!.cls.toFixed(3)}`,
      );
    }
    const note = `median of ${RUNS} cold loads, headless Chromium 1280x900, local stack; first page of 50 rows with thumbnails`;
    const lcp = median(large.map((m) => m.lcpMs));
    const cls = median(large.map((m) => m.cls));
    return [
      figure({
        name: "dashboard_lcp_250_products",
        value: lcp,
        unit: "ms",
        baseline: `the same page for the seeded shop (${seeded} products)`,
        baselineValue: median(small.map((m) => m.lcpMs)),
        goal: "LCP <= 1000 ms",
        note,
      }),
      figure({
        name: "dashboard_cls_250_products",
        value: cls,
        unit: "CLS",
        baseline: `the same page for the seeded shop (${seeded} products)`,
        baselineValue: median(small.map((m) => m.cls)),
        // CLS is 0 when nothing moves: a ratio against 0 means nothing.
        ratio: cls === 0 ? 0 : cls / Math.max(median(small.map((m) => m.cls)), 1e-6),
        goal: "CLS <= 0.1",
        note,
      }),
    ];
  } finally {
    await browser.close();
    await stack.close();
  }
}

export default benchDashboard;

if (import.meta.url === `file://${process.argv[1]}`) {
  benchDashboard()
    .then((figures) => console.log(JSON.stringify(figures, null, 2)))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
