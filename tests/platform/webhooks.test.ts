// Product, lifecycle, billing and bulk webhooks through real HTTP: the local store signs and
// delivers them to the built app (authenticate.webhook checks the HMAC) as shopify.app.toml
// subscribes them. Routes answer without the Admin API: product events and the uninstall cleanup
// are queued for the worker (here one on the publish queue only, so pipeline flows stay queued).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, OTHER_SHOP } from "../../devstore";
import { DEFAULT_SCENE_IDS } from "../../lib/scenes";
import { BULK_FALLBACK_POLL_MS } from "../../lib/shopify-admin/bulk";
import type { Producers } from "../../lib/queue/producer";
import { startTestStack, type ProcessHandle, type TestStack } from "../harness/stack";
import {
  adminGraphql,
  approvePlan,
  deliverWebhook,
  extensionPost,
  productByTitle,
  readyPhotos,
  stackProducers,
  waitFor,
  waitingJobs,
} from "./helpers";

const STAGES_PER_FLOW = 6;

let stack: TestStack;
let producers: Producers;
let worker: ProcessHandle;
let photoUrls: string[];

/** Waits until the worker has handled every queued shop event (product events, uninstall cleanups). */
async function shopEventsHandled(): Promise<void> {
  const queue = producers.queue("publish");
  await waitFor(
    "the worker to handle the queued shop events",
    async () => {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "paused");
      return Object.values(counts).every((n) => n === 0);
    },
    30_000,
  );
}

async function setShop(data: { autoGenerate?: boolean; monthlyCapUsd?: number | null }) {
  await stack.db.shop.upsert({ where: { shop: DEMO_SHOP }, create: { shop: DEMO_SHOP, ...data }, update: data });
}

/** A product created in the store's admin with three photos; Shopify processes them after products/create. */
async function createProductWithPhotos(title: string): Promise<string> {
  const { id } = stack.store.control.createProduct(DEMO_SHOP, { title, productType: "teapot", imageUrls: photoUrls });
  await waitFor(`${title}'s photos to be processed`, async () => (await readyPhotos(stack, DEMO_SHOP, id)) === 3);
  await stack.store.control.webhooksSettled();
  await shopEventsHandled();
  return id;
}

/** The merchant edits the product; the store sends products/update. */
async function editProduct(id: string, title: string): Promise<void> {
  const data = await adminGraphql(
    stack,
    DEMO_SHOP,
    `mutation($p: ProductUpdateInput!) { productUpdate(product: $p) { userErrors { message } } }`,
    { p: { id, title } },
  );
  expect(data.productUpdate.userErrors).toEqual([]);
  await stack.store.control.webhooksSettled();
  await shopEventsHandled();
}

const generationsOf = (productId: string) =>
  stack.db.generation.count({ where: { shop: DEMO_SHOP, subject: { productId } } });

beforeAll(async () => {
  stack = await startTestStack();
  producers = stackProducers(stack);
  worker = await stack.startWorker({ WORKER_QUEUES: "publish" });
  await stack.installShop(DEMO_SHOP);
  await approvePlan(stack, DEMO_SHOP);
  photoUrls = (await productByTitle(stack, DEMO_SHOP, "Teapot")).urls.slice(0, 3);
});

afterAll(async () => {
  await worker?.kill("SIGKILL");
  await producers?.close();
  await stack?.close();
});

describe("webhooks", () => {
  it("refuses a forged HMAC with 401 on every webhook route and records nothing", async () => {
    const body = JSON.stringify({
      admin_graphql_api_id: "gid://shopify/Product/1",
      title: "Forged",
      images: [{}, {}, {}],
    });
    for (const [path, topic] of [
      ["/webhooks/products", "products/create"],
      ["/webhooks/compliance", "shop/redact"],
      ["/webhooks/app/uninstalled", "app/uninstalled"],
    ] as const) {
      const response = await deliverWebhook(stack, { path, topic, shop: DEMO_SHOP, body, hmac: "Zm9yZ2VkLWhtYWM=" });
      expect(response.status, path).toBe(401);
    }
    expect(await stack.db.webhookEvent.count()).toBe(0);
    expect(await stack.db.session.count({ where: { shop: DEMO_SHOP } })).toBe(1);
  });

  it("queues nothing while auto-generation is off", async () => {
    const id = await createProductWithPhotos("Off Teapot");
    await editProduct(id, "Off Teapot (edited)");
    expect(await generationsOf(id)).toBe(0);
  });

  it("10 duplicate products/create deliveries of one event make 1 flow", async () => {
    await setShop({ autoGenerate: false });
    const id = await createProductWithPhotos("Duplicate Teapot");
    await editProduct(id, "Duplicate Teapot");
    // The product JSON of products/create and products/update is the same; this one lists the three processed photos.
    const event = stack.store.control
      .webhookEvents()
      .filter((e) => e.topic === "products/update" && JSON.parse(e.body).admin_graphql_api_id === id)
      .at(-1)!;
    await setShop({ autoGenerate: true });
    const jobsBefore = await waitingJobs(producers, DEMO_SHOP);
    const eventId = "duplicate-event-1";
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        deliverWebhook(stack, {
          path: "/webhooks/products",
          topic: "products/create",
          shop: DEMO_SHOP,
          body: event.body,
          eventId,
        }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    await shopEventsHandled();
    expect(await generationsOf(id)).toBe(1);
    expect(await stack.db.webhookEvent.count({ where: { shop: DEMO_SHOP, eventId } })).toBe(1);
    expect((await waitingJobs(producers, DEMO_SHOP)) - jobsBefore).toBe(STAGES_PER_FLOW);
    const generation = await stack.db.generation.findFirstOrThrow({ where: { subject: { productId: id } } });
    expect(generation.source).toBe("auto");
    expect(generation.priority).toBeGreaterThanOrEqual(600_000);
    expect(JSON.parse(generation.scenes).map((s: { id: string }) => s.id)).toEqual([...DEFAULT_SCENE_IDS]);
  });

  it("photos that arrive after products/create are picked up by products/update, once", async () => {
    await setShop({ autoGenerate: true });
    // products/create goes out while the photos are still processing: not enough photos yet.
    const id = await createProductWithPhotos("Later Teapot");
    expect(await generationsOf(id)).toBe(0);
    await editProduct(id, "Later Teapot");
    expect(await generationsOf(id)).toBe(1);
    // Further updates (the merchant's edits, our own published images) start nothing more.
    await editProduct(id, "Later Teapot, renamed");
    const added = await adminGraphql(
      stack,
      DEMO_SHOP,
      `mutation($p: ProductUpdateInput!, $m: [CreateMediaInput!]) { productUpdate(product: $p, media: $m) { userErrors { message } } }`,
      {
        p: { id },
        m: [{ originalSource: photoUrls[0], mediaContentType: "IMAGE", alt: "A scene" }],
      },
    );
    expect(added.productUpdate.userErrors).toEqual([]);
    await stack.store.control.webhooksSettled();
    await shopEventsHandled();
    expect(await generationsOf(id)).toBe(1);
  });

  it("an update to a product that was not created waiting for photos starts nothing", async () => {
    await setShop({ autoGenerate: true });
    const backpack = await productByTitle(stack, DEMO_SHOP, "Backpack");
    await editProduct(backpack.id, "Backpack");
    expect(await generationsOf(backpack.id)).toBe(0);
  });

  it("a reached cap stops auto-generation; the product is picked up once the cap allows it", async () => {
    await setShop({ autoGenerate: true, monthlyCapUsd: 0 });
    const id = await createProductWithPhotos("Capped Teapot");
    const jobsBefore = await waitingJobs(producers, DEMO_SHOP);
    await editProduct(id, "Capped Teapot");
    expect(await generationsOf(id)).toBe(0);
    expect(await waitingJobs(producers, DEMO_SHOP)).toBe(jobsBefore);
    await setShop({ monthlyCapUsd: null });
    await editProduct(id, "Capped Teapot");
    expect(await generationsOf(id)).toBe(1);
  });

  it("answers products/create without calling the Admin API; the worker then reads the plan and starts the request", async () => {
    await setShop({ autoGenerate: true, monthlyCapUsd: null });
    const teapot = await productByTitle(stack, DEMO_SHOP, "Teapot");
    const body = JSON.stringify({
      admin_graphql_api_id: teapot.id,
      title: teapot.title,
      product_type: "teapot",
      status: "active",
      media: [1, 2, 3].map(() => ({ media_content_type: "IMAGE", status: "ready" })),
    });
    const queue = producers.queue("publish");
    // The worker waits, so that every Admin API request the store sees for the shop comes from the handler.
    await queue.pause();
    let before: number;
    try {
      before = stack.store.control.requestsFor(DEMO_SHOP);
      const answer = await deliverWebhook(stack, {
        path: "/webhooks/products",
        topic: "products/create",
        shop: DEMO_SHOP,
        body,
      });
      expect(answer.status).toBe(200);
      expect(stack.store.control.requestsFor(DEMO_SHOP) - before, "Admin API requests during the webhook").toBe(0);
      const queued = await queue.getJobCounts("waiting", "paused");
      expect(queued.waiting! + queued.paused!, "product-event jobs queued").toBe(1);
      expect(await generationsOf(teapot.id)).toBe(0);
    } finally {
      await queue.resume();
    }
    await shopEventsHandled();
    expect(await generationsOf(teapot.id)).toBe(1);
    expect(stack.store.control.requestsFor(DEMO_SHOP) - before, "the worker asked for the plan").toBeGreaterThan(0);
  });

  it("products/update carries only the fields shopify.app.toml includes", async () => {
    const backpack = await productByTitle(stack, DEMO_SHOP, "Backpack");
    await editProduct(backpack.id, "Backpack");
    const event = stack.store.control
      .webhookEvents()
      .filter((e) => e.topic === "products/update")
      .at(-1)!;
    const body = JSON.parse(event.body);
    expect(Object.keys(body).sort()).toEqual(["admin_graphql_api_id", "media", "product_type", "status", "title"]);
    expect(body.media.length).toBe(backpack.photos);
    for (const media of body.media) expect(Object.keys(media).sort()).toEqual(["media_content_type", "status"]);
  });

  it("without bulk_operations/finish the catalog read still ends, on the slow fallback poll", async () => {
    await stack.installShop(OTHER_SHOP, { plan: false });
    stack.store.control.setAppUrl(null);
    try {
      const started = Date.now();
      const { status, body } = await extensionPost(stack, "/api/scenes/preview", OTHER_SHOP, { all: true });
      expect(status).toBe(200);
      expect(body.status).toBe("ready");
      expect(Date.now() - started).toBeGreaterThanOrEqual(BULK_FALLBACK_POLL_MS - 500);
    } finally {
      stack.store.control.setAppUrl(stack.appUrl);
    }
  }, 60_000);

  it("bulk_operations/finish ends the wait for the catalog: Shopify is asked once for the result, not polled", async () => {
    // A catalog read that takes Shopify several seconds.
    stack.store.control.setBulkStepMs(2_000);
    try {
      const before = stack.store.control.requestsFor(DEMO_SHOP);
      const started = Date.now();
      const { status, body } = await extensionPost(stack, "/api/scenes/preview", DEMO_SHOP, { all: true });
      const elapsed = Date.now() - started;
      expect(status).toBe(200);
      expect(body.status).toBe("ready");
      expect(elapsed).toBeGreaterThan(4_000);
      expect(elapsed).toBeLessThan(BULK_FALLBACK_POLL_MS);
      await stack.store.control.webhooksSettled();
      const finish = stack.store.control
        .webhookEvents()
        .filter((e) => e.topic === "bulk_operations/finish" && e.shop === DEMO_SHOP)
        .at(-1)!;
      expect(JSON.parse(finish.body)).toMatchObject({ status: "completed", type: "query" });
      expect(
        stack.store.control
          .webhookAttempts()
          .filter((a) => a.eventId === finish.eventId)
          .map((a) => a.status),
      ).toEqual([200]);
      // currentBulkOperation, bulkOperationRunQuery, the read after the webhook, and the plan.
      expect(stack.store.control.requestsFor(DEMO_SHOP) - before).toBeLessThanOrEqual(4);
    } finally {
      stack.store.control.setBulkStepMs(250);
    }
  }, 60_000);

  it("an app/uninstalled retried after the merchant installed the app again deletes nothing of the new install", async () => {
    stack.store.control.uninstall(OTHER_SHOP);
    await stack.store.control.webhooksSettled();
    const uninstall = stack.store.control
      .webhookEvents()
      .filter((e) => e.topic === "app/uninstalled" && e.shop === OTHER_SHOP)
      .at(-1)!;
    await shopEventsHandled();
    expect(await stack.db.session.count({ where: { shop: OTHER_SHOP } })).toBe(0);

    // The merchant installs SceneBooth again and turns auto-generation on.
    await stack.installShop(OTHER_SHOP, { plan: false });
    await stack.db.shop.upsert({
      where: { shop: OTHER_SHOP },
      create: { shop: OTHER_SHOP, autoGenerate: true },
      update: { autoGenerate: true },
    });
    // Shopify delivers the first uninstall once more (a retry: same event, same trigger time).
    const retry = await deliverWebhook(stack, {
      path: "/webhooks/app/uninstalled",
      topic: "app/uninstalled",
      shop: OTHER_SHOP,
      body: uninstall.body,
      eventId: uninstall.eventId,
      triggeredAt: uninstall.triggeredAt,
    });
    expect(retry.status).toBe(200);
    await shopEventsHandled();
    expect(await stack.db.session.count({ where: { shop: OTHER_SHOP } })).toBe(1);
    expect(await stack.db.shop.findUnique({ where: { shop: OTHER_SHOP } })).toMatchObject({
      autoGenerate: true,
      uninstalledAt: null,
    });

    // A new uninstall (after the install) is carried out.
    stack.store.control.uninstall(OTHER_SHOP);
    await stack.store.control.webhooksSettled();
    await shopEventsHandled();
    expect(await stack.db.session.count({ where: { shop: OTHER_SHOP } })).toBe(0);
    expect(await stack.db.shop.count({ where: { shop: OTHER_SHOP } })).toBe(0);
  });

  it("answers customers/data_request and customers/redact with 200 and deletes nothing", async () => {
    const before = await stack.db.generation.count({ where: { shop: DEMO_SHOP } });
    const events = [
      stack.store.control.compliance("customers/data_request", DEMO_SHOP),
      stack.store.control.compliance("customers/redact", DEMO_SHOP),
    ];
    await stack.store.control.webhooksSettled();
    for (const event of events) {
      const attempts = stack.store.control.webhookAttempts().filter((a) => a.eventId === event.eventId);
      expect(
        attempts.map((a) => a.status),
        event.topic,
      ).toEqual([200]);
    }
    expect(await stack.db.generation.count({ where: { shop: DEMO_SHOP } })).toBe(before);
    expect(await stack.db.session.count({ where: { shop: DEMO_SHOP } })).toBe(1);
  });

  it("usage past 90 % of the cap shows a notice on the app's pages until the merchant dismisses it; a raised cap ends it too", async () => {
    const NOTICE = "SceneBooth is close to its usage limit";
    const page = async () => (await stack.openEmbeddedApp(DEMO_SHOP)).text();
    const { currentAppInstallation } = await adminGraphql(
      stack,
      DEMO_SHOP,
      `{ currentAppInstallation { activeSubscriptions { lineItems { id plan { pricingDetails { ... on AppUsagePricing { cappedAmount { amount } balanceUsed { amount } } } } } } } }`,
    );
    const usageLine = currentAppInstallation.activeSubscriptions[0].lineItems.find(
      (item: any) => item.plan.pricingDetails.cappedAmount,
    );
    const cap = Number(usageLine.plan.pricingDetails.cappedAmount.amount);
    const used = Number(usageLine.plan.pricingDetails.balanceUsed.amount);
    expect(await page()).not.toContain(NOTICE);

    const charge = Math.ceil((cap * 0.9 - used) * 100) / 100 + 0.01;
    const { appUsageRecordCreate } = await adminGraphql(
      stack,
      DEMO_SHOP,
      `mutation($id: ID!, $price: MoneyInput!) { appUsageRecordCreate(subscriptionLineItemId: $id, price: $price, description: "Test usage") { userErrors { message } } }`,
      {
        id: usageLine.id,
        price: { amount: charge.toFixed(2), currencyCode: "USD" },
      },
    );
    expect(appUsageRecordCreate.userErrors).toEqual([]);
    await stack.store.control.webhooksSettled();
    const warning = stack.store.control
      .webhookEvents()
      .filter((e) => e.topic === "app_subscriptions/approaching_capped_amount")
      .at(-1)!;
    expect(
      stack.store.control
        .webhookAttempts()
        .filter((a) => a.eventId === warning.eventId)
        .map((a) => a.status),
    ).toEqual([200]);
    expect(await page()).toContain(NOTICE);

    const dismissed = await stack.appFetch("/app?_data=routes%2Fapp", {
      method: "POST",
      body: new URLSearchParams({ intent: "dismiss-cap-notice" }),
    });
    expect(dismissed.status).toBe(200);
    expect(await page()).not.toContain(NOTICE);

    // Shopify warns again (as it would for this cap); the merchant approves a higher cap instead of dismissing.
    const again = await deliverWebhook(stack, {
      path: "/webhooks/app_subscriptions/approaching_capped_amount",
      topic: "app_subscriptions/approaching_capped_amount",
      shop: DEMO_SHOP,
      body: warning.body,
    });
    expect(again.status).toBe(200);
    expect(await page()).toContain(NOTICE);
    const { appSubscriptionLineItemUpdate } = await adminGraphql(
      stack,
      DEMO_SHOP,
      `mutation($id: ID!, $cap: MoneyInput!) { appSubscriptionLineItemUpdate(id: $id, cappedAmount: $cap) { userErrors { message } } }`,
      {
        id: usageLine.id,
        cap: { amount: String(cap * 2), currencyCode: "USD" },
      },
    );
    expect(appSubscriptionLineItemUpdate.userErrors).toEqual([]);
    expect(await page()).not.toContain(NOTICE);
  });
});
