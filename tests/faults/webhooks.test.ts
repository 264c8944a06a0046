// Fault suite, platform faults around webhooks: Shopify retries an app/uninstalled hours later,
// after the merchant installed the app again; a product webhook must be answered within Shopify's
// 5 s without the Admin API (the worker asks it afterwards). The worker consumes the publish queue
// only (where shop events go), so the requests made here stay queued and are audited as such.
import { afterAll, beforeAll, expect } from "vitest";
import type { ProcessHandle } from "../harness/stack";
import { waitFor } from "../pipeline/helpers";
import { deliverWebhook, shopProducts } from "../platform/helpers";
import { faultGroup } from "./fault-case";
import { DEMO_SHOP, OTHER_SHOP, requestFor, startFaultStack, storeProduct, type FaultStack } from "./helpers";

let fs: FaultStack;
let worker: ProcessHandle;

beforeAll(async () => {
  fs = await startFaultStack();
  worker = await fs.stack.startWorker({ WORKER_QUEUES: "publish" });
}, 180_000);
afterAll(async () => {
  await worker?.kill("SIGKILL");
  await fs?.close();
});

const faultCase = faultGroup("platform faults", () => fs, { part: "webhooks" });
const control = () => fs.stack.store.control;

async function shopEventsHandled() {
  const queue = fs.producers.queue("publish");
  await waitFor(
    "the queued shop events to be handled",
    async () => {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "paused");
      return Object.values(counts).every((n) => n === 0) ? true : undefined;
    },
    60_000,
  );
}

faultCase(
  "late app/uninstalled retry after the merchant installed again → nothing of the new install deleted",
  { short: true },
  async (ctx) => {
    control().uninstall(OTHER_SHOP);
    await control().webhooksSettled();
    const uninstall = control()
      .webhookEvents()
      .filter((e) => e.topic === "app/uninstalled" && e.shop === OTHER_SHOP)
      .at(-1)!;
    await shopEventsHandled();
    expect(await fs.stack.db.session.count({ where: { shop: OTHER_SHOP } })).toBe(0);

    // Installed again; the new install has settings and a request in progress.
    await fs.stack.installShop(OTHER_SHOP, { plan: false });
    await fs.stack.db.shop.upsert({
      where: { shop: OTHER_SHOP },
      create: { shop: OTHER_SHOP, autoGenerate: true },
      update: { autoGenerate: true },
    });
    const product = (await shopProducts(fs.stack, OTHER_SHOP)).find((p) => p.photos >= 3)!;
    const generation = await requestFor(fs, await storeProduct(fs.stack, product.title, OTHER_SHOP), {
      shop: OTHER_SHOP,
    });
    ctx.expectRequest(OTHER_SHOP, product.id, product.title);

    // Shopify's retry of the first delivery: same event id, same trigger time, hours later.
    const retry = await deliverWebhook(fs.stack, {
      path: "/webhooks/app/uninstalled",
      topic: "app/uninstalled",
      shop: OTHER_SHOP,
      body: uninstall.body,
      eventId: uninstall.eventId,
      triggeredAt: uninstall.triggeredAt,
    });
    expect(retry.status).toBe(200);
    await shopEventsHandled();
    expect(await fs.stack.db.session.count({ where: { shop: OTHER_SHOP } })).toBe(1);
    expect(await fs.stack.db.shop.findUnique({ where: { shop: OTHER_SHOP } })).toMatchObject({ autoGenerate: true });
    expect(await fs.stack.db.generation.findUnique({ where: { id: generation.id } })).toMatchObject({
      status: "queued",
    });
  },
);

faultCase(
  "products/create answered without any Admin API call (the worker reads the plan afterwards) → 1 request",
  { short: true },
  async (ctx) => {
    await fs.stack.db.shop.upsert({
      where: { shop: DEMO_SHOP },
      create: { shop: DEMO_SHOP, autoGenerate: true },
      update: { autoGenerate: true },
    });
    const teapot = await storeProduct(fs.stack, "Teapot");
    const body = JSON.stringify({
      admin_graphql_api_id: teapot.id,
      title: teapot.title,
      product_type: "teapot",
      status: "active",
      media: teapot.photoUrls.map(() => ({ media_content_type: "IMAGE", status: "ready" })),
    });
    const queue = fs.producers.queue("publish");
    await queue.pause();
    try {
      const before = control().requestsFor(DEMO_SHOP);
      const answer = await deliverWebhook(fs.stack, {
        path: "/webhooks/products",
        topic: "products/create",
        shop: DEMO_SHOP,
        body,
      });
      expect(answer.status).toBe(200);
      expect(control().requestsFor(DEMO_SHOP) - before, "Admin API requests while answering the webhook").toBe(0);
    } finally {
      await queue.resume();
    }
    await shopEventsHandled();
    ctx.expectRequest(DEMO_SHOP, teapot.id, teapot.title);
    expect(await fs.stack.db.generation.count({ where: { shop: DEMO_SHOP, subject: { productId: teapot.id } } })).toBe(
      1,
    );
  },
);

// Deliveries Shopify signs for a shop that never installed SceneBooth (or whose data is long gone):
// answered, and nothing is recorded for them; the mandatory compliance topics are answered too.
const NEVER_INSTALLED = "never-installed.myshopify.com";

faultCase(
  "signed webhooks from a shop that never installed → 200 and no rows for it; its compliance webhooks → 200",
  {},
  async () => {
    const product = { admin_graphql_api_id: "gid://shopify/Product/424242", title: "Stranger", status: "active" };
    const deliveries = [
      { path: "/webhooks/products", topic: "products/create", body: JSON.stringify(product) },
      { path: "/webhooks/products", topic: "products/update", body: JSON.stringify(product) },
      {
        path: "/webhooks/bulk_operations/finish",
        topic: "bulk_operations/finish",
        body: JSON.stringify({ admin_graphql_api_id: "gid://shopify/BulkOperation/77", status: "completed" }),
      },
      { path: "/webhooks/products/delete", topic: "products/delete", body: JSON.stringify({ id: 424242 }) },
      { path: "/webhooks/app/uninstalled", topic: "app/uninstalled", body: JSON.stringify({}) },
    ];
    const compliance = [
      { path: "/webhooks/compliance", topic: "customers/data_request", body: JSON.stringify({ customer: { id: 1 } }) },
      { path: "/webhooks/compliance", topic: "customers/redact", body: JSON.stringify({ customer: { id: 1 } }) },
      { path: "/webhooks/compliance", topic: "shop/redact", body: JSON.stringify({ shop_domain: NEVER_INSTALLED }) },
    ];
    const deliver = async (list: typeof deliveries) => {
      const statuses = [];
      for (const d of list)
        statuses.push(`${d.topic} ${(await deliverWebhook(fs.stack, { ...d, shop: NEVER_INSTALLED })).status}`);
      return statuses;
    };
    expect(await deliver(deliveries)).toEqual(deliveries.map((d) => `${d.topic} 200`));
    // Counted before shop/redact, which would delete whatever they left.
    expect(await fs.stack.db.webhookEvent.count({ where: { shop: NEVER_INSTALLED } })).toBe(0);
    expect(await fs.stack.db.shop.count({ where: { shop: NEVER_INSTALLED } })).toBe(0);
    expect(await deliver(compliance)).toEqual(compliance.map((d) => `${d.topic} 200`));
  },
);

faultCase("a signed webhook naming a malformed shop domain → 400, nothing recorded", {}, async () => {
  const body = JSON.stringify({ admin_graphql_api_id: "gid://shopify/Product/1", title: "x", status: "active" });
  const answers = [];
  for (const shop of ["not a shop", "evil.example.com", "UPPER.myshopify.com"]) {
    for (const [path, topic] of [
      ["/webhooks/products", "products/create"],
      ["/webhooks/compliance", "shop/redact"],
    ] as const) {
      const answer = await deliverWebhook(fs.stack, { path, topic, shop, body });
      answers.push(
        `${shop} ${topic} ${answer.status} ${(await answer.text()).includes("    at ") ? "stack" : ""}`.trim(),
      );
    }
  }
  expect(answers).toEqual([
    "not a shop products/create 400",
    "not a shop shop/redact 400",
    "evil.example.com products/create 400",
    "evil.example.com shop/redact 400",
    "UPPER.myshopify.com products/create 400",
    "UPPER.myshopify.com shop/redact 400",
  ]);
  expect(await fs.stack.db.webhookEvent.count({ where: { shop: { not: { endsWith: ".myshopify.com" } } } })).toBe(0);
});
