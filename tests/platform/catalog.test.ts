// "All products" on a 5,000-product catalog: read through one Shopify bulk operation (JSONL), not
// thousands of paged queries, and the same finished read is reused by the run that queues requests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "../../devstore";
import { FAST_LANE_MIN_PHOTOS } from "../../lib/pipeline/generation-modes";
import { PIPELINE_STAGES } from "../../lib/pipeline/stages";
import { MIN_PHOTOS } from "../../lib/products";
import type { Producers } from "../../lib/queue/producer";
import { startTestStack, type TestStack } from "../harness/stack";
import { adminGraphql, approvePlan, extensionPost, shopProducts, stackProducers, waitingJobs } from "./helpers";

const ADDED = 5_000;
/** Products per page the Admin API allows: paging the catalog would take at least this many requests. */
const PAGES_NEEDED = Math.ceil(ADDED / 250);

let stack: TestStack;
let producers: Producers;
let seeded: number;
let seededWithPhotos: number;
/** Of those, the products with one or two photos: bulk requests take the fast exact-product lane, whose flow has no tune job. */
let seededFastLane: number;

const currentBulkOperation = () =>
  adminGraphql<{ currentBulkOperation: { id: string; status: string; rootObjectCount: string } | null }>(
    stack,
    DEMO_SHOP,
    `{ currentBulkOperation { id status rootObjectCount } }`,
  );

beforeAll(async () => {
  // The backfill queues every product with photos (20 × up to 24 images): above the default daily image
  // limit, which the limit's own tests cover (lib/pipeline/request-scenes.test.ts, the fault suite).
  stack = await startTestStack({ env: { SCENEBOOTH_DAILY_IMAGE_LIMIT: "1000" } });
  producers = stackProducers(stack);
  await stack.installShop(DEMO_SHOP);
  await approvePlan(stack, DEMO_SHOP);
  const products = await shopProducts(stack, DEMO_SHOP);
  seeded = products.length;
  seededWithPhotos = products.filter((p) => p.photos >= FAST_LANE_MIN_PHOTOS).length;
  seededFastLane = products.filter((p) => p.photos >= FAST_LANE_MIN_PHOTOS && p.photos < MIN_PHOTOS).length;
  // A large catalog without photos; its products/create webhooks are not under test here.
  stack.store.control.setAppUrl(null);
  for (let i = 0; i < ADDED; i++) stack.store.control.createProduct(DEMO_SHOP, { title: `Catalog product ${i}` });
  stack.store.control.setAppUrl(stack.appUrl);
}, 300_000);

afterAll(async () => {
  await producers?.close();
  await stack?.close();
});

describe("all products / first-run backfill", () => {
  it("reads a 5,000-product catalog through one bulk operation", async () => {
    const requestsBefore = stack.store.control.stats().graphqlRequests;
    const { status, body } = await extensionPost(stack, "/api/scenes/preview", DEMO_SHOP, { all: true });
    expect(status).toBe(200);
    expect(body.status).toBe("ready");
    expect(body.counts).toEqual({
      products: seeded + ADDED,
      enoughPhotos: seededWithPhotos,
      needsPhotos: seeded + ADDED - seededWithPhotos,
      notGeneratedYet: seededWithPhotos,
    });
    const requests = stack.store.control.stats().graphqlRequests - requestsBefore;
    expect(requests).toBeLessThan(PAGES_NEEDED);
    const op = await currentBulkOperation();
    expect(op.currentBulkOperation).toMatchObject({ status: "COMPLETED", rootObjectCount: String(seeded + ADDED) });
  });

  it("queues every product with enough photos that never had a request, reusing that read; a second run finds nothing new", async () => {
    const readBefore = (await currentBulkOperation()).currentBulkOperation!.id;
    const { status, body } = await extensionPost(stack, "/api/scenes/generate", DEMO_SHOP, { all: true });
    expect(status).toBe(200);
    expect(body.counts).toMatchObject({
      products: seeded + ADDED,
      queued: seededWithPhotos,
      overCap: 0,
      later: 0,
      needsPhotos: seeded + ADDED - seededWithPhotos,
    });
    expect((await currentBulkOperation()).currentBulkOperation!.id).toBe(readBefore);
    expect(await stack.db.generation.count({ where: { shop: DEMO_SHOP, source: "bulk" } })).toBe(seededWithPhotos);
    expect(await waitingJobs(producers, DEMO_SHOP)).toBe(PIPELINE_STAGES.length * seededWithPhotos - seededFastLane);

    const again = await extensionPost(stack, "/api/scenes/generate", DEMO_SHOP, { all: true });
    expect(again.body.counts).toMatchObject({ queued: 0 });
    expect(await stack.db.generation.count({ where: { shop: DEMO_SHOP } })).toBe(seededWithPhotos);
  });
});
