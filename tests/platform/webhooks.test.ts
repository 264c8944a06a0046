// Product and compliance webhooks through real HTTP: the local store signs and delivers them to the
// built app (authenticate.webhook checks the HMAC); auto-generation queues flows, not work.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "../../devstore";
import { DEFAULT_SCENE_IDS } from "../../lib/scenes";
import type { Producers } from "../../lib/queue/producer";
import { startTestStack, type TestStack } from "../harness/stack";
import { adminGraphql, approvePlan, deliverWebhook, productByTitle, readyPhotos, stackProducers, waitFor, waitingJobs } from "./helpers";

const STAGES_PER_FLOW = 6;

let stack: TestStack;
let producers: Producers;
let photoUrls: string[];

async function setShop(data: { autoGenerate?: boolean; monthlyCapUsd?: number | null }) {
  await stack.db.shop.upsert({ where: { shop: DEMO_SHOP }, create: { shop: DEMO_SHOP, ...data }, update: data });
}

/** A product created in the store's admin with three photos; Shopify processes them after products/create. */
async function createProductWithPhotos(title: string): Promise<string> {
  const { id } = stack.store.control.createProduct(DEMO_SHOP, { title, productType: "teapot", imageUrls: photoUrls });
  await waitFor(`${title}'s photos to be processed`, async () => (await readyPhotos(stack, DEMO_SHOP, id)) === 3);
  await stack.store.control.webhooksSettled();
  return id;
}

/** The merchant edits the product; the store sends products/update. */
async function editProduct(id: string, title: string): Promise<void> {
  const data = await adminGraphql(stack, DEMO_SHOP, `mutation($p: ProductUpdateInput!) { productUpdate(product: $p) { userErrors { message } } }`, { p: { id, title } });
  expect(data.productUpdate.userErrors).toEqual([]);
  await stack.store.control.webhooksSettled();
}

const generationsOf = (productId: string) => stack.db.generation.count({ where: { shop: DEMO_SHOP, subject: { productId } } });

beforeAll(async () => {
  stack = await startTestStack();
  producers = stackProducers(stack);
  await stack.installShop(DEMO_SHOP);
  await approvePlan(stack, DEMO_SHOP);
  photoUrls = (await productByTitle(stack, DEMO_SHOP, "Teapot")).urls.slice(0, 3);
});

afterAll(async () => {
  await producers?.close();
  await stack?.close();
});

describe("webhooks", () => {
  it("refuses a forged HMAC with 401 on every webhook route and records nothing", async () => {
    const body = JSON.stringify({ admin_graphql_api_id: "gid://shopify/Product/1", title: "Forged", images: [{}, {}, {}] });
    for (const [path, topic] of [["/webhooks/products", "products/create"], ["/webhooks/compliance", "shop/redact"], ["/webhooks/app/uninstalled", "app/uninstalled"]] as const) {
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
    const event = stack.store.control.webhookEvents().filter((e) => e.topic === "products/update" && JSON.parse(e.body).admin_graphql_api_id === id).at(-1)!;
    await setShop({ autoGenerate: true });
    const jobsBefore = await waitingJobs(producers, DEMO_SHOP);
    const eventId = "duplicate-event-1";
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => deliverWebhook(stack, { path: "/webhooks/products", topic: "products/create", shop: DEMO_SHOP, body: event.body, eventId })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
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
    const added = await adminGraphql(stack, DEMO_SHOP, `mutation($p: ProductUpdateInput!, $m: [CreateMediaInput!]) { productUpdate(product: $p, media: $m) { userErrors { message } } }`, {
      p: { id },
      m: [{ originalSource: photoUrls[0], mediaContentType: "IMAGE", alt: "A scene" }],
    });
    expect(added.productUpdate.userErrors).toEqual([]);
    await stack.store.control.webhooksSettled();
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

  it("answers customers/data_request and customers/redact with 200 and deletes nothing", async () => {
    const before = await stack.db.generation.count({ where: { shop: DEMO_SHOP } });
    const events = [stack.store.control.compliance("customers/data_request", DEMO_SHOP), stack.store.control.compliance("customers/redact", DEMO_SHOP)];
    await stack.store.control.webhooksSettled();
    for (const event of events) {
      const attempts = stack.store.control.webhookAttempts().filter((a) => a.eventId === event.eventId);
      expect(attempts.map((a) => a.status), event.topic).toEqual([200]);
    }
    expect(await stack.db.generation.count({ where: { shop: DEMO_SHOP } })).toBe(before);
    expect(await stack.db.session.count({ where: { shop: DEMO_SHOP } })).toBe(1);
  });
});
