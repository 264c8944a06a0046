// Fault suite, platform faults: the local store answers THROTTLED, 429, 5xx, slowly or not at all
// while the worker reads a product, downloads its photos and publishes an image; webhooks arrive
// twice, out of order, forged or unsigned; session tokens expire.
import { afterAll, beforeAll, expect } from "vitest";
import type { FaultRoute, FaultSpec } from "../../devstore";
import type { ProcessHandle } from "../harness/stack";
import { adminGraphql, deliverWebhook } from "../platform/helpers";
import { faultGroup } from "./fault-case";
import {
  DEMO_SHOP,
  approvableImage,
  approveAndSettle,
  newProduct,
  publishedCopies,
  requestFor,
  runUntil,
  startFaultStack,
  storeProduct,
  waitForEnd,
  type FaultStack,
  type StoreProduct,
} from "./helpers";
import { waitFor } from "../pipeline/helpers";
import { dataUrl, numericId } from "./routes";
import { SHOPIFY_API_VERSION } from "../../lib/shopify-admin/version";

let fs: FaultStack;
let worker: ProcessHandle;
let teapot: StoreProduct;

beforeAll(async () => {
  fs = await startFaultStack();
  worker = await fs.stack.startWorker();
  teapot = await storeProduct(fs.stack, "Teapot");
});
afterAll(async () => {
  await worker?.kill("SIGKILL");
  await fs?.close();
});

const faultCase = faultGroup("platform faults", () => fs);
const control = () => fs.stack.store.control;

interface Fault {
  spec: FaultSpec;
  route?: FaultRoute;
  times?: number;
  operation?: string;
}

function inject(faults: Fault[]): void {
  control().clearFaults();
  for (const f of faults) control().injectFault(f.spec, { route: f.route, times: f.times, operation: f.operation });
}

/** Every injected fault was hit (a fault that nothing ran into proves nothing). */
function expectFaultsUsed(): void {
  expect(control().pendingFaults(), "faults nothing ran into").toEqual([]);
}

// Reading the product and downloading its photos (ingest): the request gets past the photo check
// with every photo, whatever the store answered on the way.
const INGEST_FAULTS: Array<[string, Fault[] | "throttled", boolean?]> = [
  ["THROTTLED while reading the product", "throttled", true],
  [
    "429 on the product read",
    [{ spec: { kind: "status", status: 429, retryAfterSeconds: 1 }, operation: "ProductWithMedia", times: 2 }],
  ],
  ["500 on the product read", [{ spec: { kind: "status", status: 500 }, operation: "ProductWithMedia" }]],
  [
    "502 three times on the product read",
    [{ spec: { kind: "status", status: 502 }, operation: "ProductWithMedia", times: 3 }],
  ],
  ["dropped connection on the product read", [{ spec: { kind: "drop" }, operation: "ProductWithMedia", times: 2 }]],
  ["photo download: 503 from the CDN", [{ spec: { kind: "status", status: 503 }, route: "cdn", times: 2 }]],
  ["photo download: dropped connection", [{ spec: { kind: "drop" }, route: "cdn" }]],
];

for (const [name, faults, short] of INGEST_FAULTS) {
  faultCase(name, { short }, async (ctx) => {
    const product = await newProduct(fs.stack, `Ingest: ${name}`, teapot.photoUrls.slice(0, 4));
    const throttledBefore = control().stats().throttled;
    if (faults === "throttled") control().setAvailable(DEMO_SHOP, 0);
    else inject(faults);
    const generation = await requestFor(fs, product, { allowLowDiversity: true });
    ctx.expectRequest(DEMO_SHOP, product.id, product.title);
    const ended = await runUntil(fs, generation.id, "tune");
    expect(ended.status, `${ended.status}: ${ended.error}`).toBe("cancelled");
    if (faults === "throttled") expect(control().stats().throttled).toBeGreaterThan(throttledBefore);
    else expectFaultsUsed();
    const photos = await fs.stack.db.trainingImage.findMany({ where: { subjectId: generation.subjectId } });
    expect(photos.map((p) => p.excludedReason ?? "prepared")).toEqual(Array(4).fill("prepared"));
  });
}

// The Flow trigger "Scene images ready for review" when a request finishes: Shopify refusing it
// (flowTriggerReceive is not idempotent, so it is not retried) costs the merchant nothing: the
// request succeeds with its images, and the trigger is neither sent nor marked sent.
faultCase(
  "500 on flowTriggerReceive: the request still succeeds, the trigger is not sent",
  { timeoutMs: 300_000 },
  async (ctx) => {
    const product = await newProduct(fs.stack, "Flow: 500 on the trigger", teapot.photoUrls.slice(0, 4));
    inject([{ spec: { kind: "status", status: 500 }, operation: "flowTriggerReceive" }]);
    const generation = await requestFor(fs, product, { allowLowDiversity: true });
    ctx.expectRequest(DEMO_SHOP, product.id, product.title);
    const ended = await waitForEnd(fs.stack, generation.id, 240_000);
    expect(ended.status, `${ended.status}: ${ended.error}`).toBe("succeeded");
    expectFaultsUsed();
    expect(
      control()
        .flowTriggers(DEMO_SHOP)
        .filter((t) => t.payload["Request ID"] === generation.id),
    ).toEqual([]);
    const row = await fs.stack.db.generation.findUniqueOrThrow({ where: { id: generation.id } });
    expect(row.readyTriggerAt).toBeNull();
    expect(await fs.stack.db.candidate.count({ where: { generationId: generation.id } })).toBe(1);
  },
);

faultCase("timeout on the product read (no answer for 31 s)", { timeoutMs: 240_000 }, async (ctx) => {
  const product = await newProduct(fs.stack, "Ingest: timeout", teapot.photoUrls.slice(0, 4));
  inject([{ spec: { kind: "delay", ms: 31_000 }, operation: "ProductWithMedia" }]);
  const generation = await requestFor(fs, product, { allowLowDiversity: true });
  ctx.expectRequest(DEMO_SHOP, product.id, product.title);
  const ended = await runUntil(fs, generation.id, "tune");
  expect(ended.status, `${ended.status}: ${ended.error}`).toBe("cancelled");
  expectFaultsUsed();
});

// Publishing an approved image: one copy in the product's media, whatever happened on the way.
const PUBLISH_FAULTS: Array<[string, Fault[] | "throttled", boolean?]> = [
  ["THROTTLED while publishing", "throttled"],
  [
    "429 on stagedUploadsCreate",
    [{ spec: { kind: "status", status: 429, retryAfterSeconds: 1 }, operation: "stagedUploadsCreate" }],
  ],
  [
    "500 then 502 on the staged upload",
    [
      { spec: { kind: "status", status: 500 }, route: "upload" },
      { spec: { kind: "status", status: 502 }, route: "upload" },
    ],
    true,
  ],
  ["dropped connection during the staged upload", [{ spec: { kind: "drop" }, route: "upload" }]],
  ["lost answer to the staged upload (stored, no response)", [{ spec: { kind: "lost-answer" }, route: "upload" }]],
  ["500 on productUpdate (not run)", [{ spec: { kind: "status", status: 500 }, operation: "productUpdate" }]],
  [
    "lost answer to productUpdate (media created, no response)",
    [{ spec: { kind: "lost-answer" }, operation: "productUpdate" }],
    true,
  ],
  [
    "dropped connection while polling the media status",
    [{ spec: { kind: "drop" }, operation: "MediaStatus", times: 2 }],
  ],
  ["500 on fileUpdate (the alt text)", [{ spec: { kind: "status", status: 500 }, operation: "fileUpdate" }]],
];

for (const [name, faults, short] of PUBLISH_FAULTS) {
  faultCase(name, { short }, async () => {
    const { productId, candidateId } = await approvableImage(fs, `Publish: ${name}`);
    if (faults === "throttled") control().setAvailable(DEMO_SHOP, 0);
    else inject(faults);
    const candidate = await approveAndSettle(fs, candidateId);
    expect([candidate.state, candidate.error]).toEqual(["published", null]);
    if (faults !== "throttled") expectFaultsUsed();
    expect(publishedCopies(fs, productId, candidateId).map((m) => m.id)).toEqual([candidate.publishedMediaId]);
  });
}

faultCase(
  "lost answer to productUpdate while Shopify takes 6 s to process the image",
  { timeoutMs: 240_000 },
  async () => {
    const { productId, candidateId } = await approvableImage(fs, "Publish: lost answer, slow processing");
    control().setMediaProcessingStepMs(3_000);
    try {
      inject([{ spec: { kind: "lost-answer" }, operation: "productUpdate" }]);
      const candidate = await approveAndSettle(fs, candidateId, 200_000);
      expect([candidate.state, candidate.error]).toEqual(["published", null]);
      expectFaultsUsed();
      expect(publishedCopies(fs, productId, candidateId).map((m) => m.id)).toEqual([candidate.publishedMediaId]);
    } finally {
      control().setMediaProcessingStepMs(250);
    }
  },
);

faultCase(
  "publishing fails for good (uploads refused), then the merchant approves again",
  { timeoutMs: 300_000 },
  async () => {
    const { productId, candidateId } = await approvableImage(fs, "Publish: fails, then again");
    // Every upload attempt of every job attempt (3 × 3) answers 503.
    inject([{ spec: { kind: "status", status: 503 }, route: "upload", times: 9 }]);
    const failed = await approveAndSettle(fs, candidateId, 200_000);
    expect(failed.state).toBe("failed");
    expect(failed.error).toBeTruthy();
    expectFaultsUsed();
    expect(publishedCopies(fs, productId, candidateId)).toEqual([]);
    const again = await approveAndSettle(fs, candidateId, 60_000);
    expect([again.state, again.error]).toEqual(["published", null]);
    expect(publishedCopies(fs, productId, candidateId).map((m) => m.id)).toEqual([again.publishedMediaId]);
  },
);

// Webhooks, signed as the local store signs them.
async function autoGeneration(on: boolean) {
  await fs.stack.db.shop.upsert({
    where: { shop: DEMO_SHOP },
    create: { shop: DEMO_SHOP, autoGenerate: on },
    update: { autoGenerate: on },
  });
}

/** A product created in the admin while auto-generation is off; its products/create and products/update events, as the store sent them. */
async function productEvents(title: string) {
  await autoGeneration(false);
  const product = await newProduct(fs.stack, title, teapot.photoUrls.slice(0, 3));
  // The merchant edits it once its photos are processed: products/update lists them.
  const edited = await adminGraphql(
    fs.stack,
    DEMO_SHOP,
    `mutation($p: ProductUpdateInput!) { productUpdate(product: $p) { userErrors { message } } }`,
    { p: { id: product.id, title } },
  );
  expect(edited.productUpdate.userErrors).toEqual([]);
  await control().webhooksSettled();
  const events = control()
    .webhookEvents()
    .filter((e) => (JSON.parse(e.body) as { admin_graphql_api_id?: string }).admin_graphql_api_id === product.id);
  const create = events.find((e) => e.topic === "products/create")!;
  const update = events.findLast((e) => e.topic === "products/update")!;
  expect(create && update, "the store sent products/create and products/update").toBeTruthy();
  await autoGeneration(true);
  return { product, create, update };
}

/** The worker has handled the product events the webhook routes queued (the routes answer before that). */
async function shopEventsHandled() {
  const queue = fs.producers.queue("publish");
  await waitFor(
    "the queued product events to be handled",
    async () => {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "paused");
      return Object.values(counts).every((n) => n === 0) ? true : undefined;
    },
    60_000,
  );
}

/** Cancels the auto-generated requests of a product so that the worker does not tune them. */
async function cancelRequests(productId: string) {
  const { cancelGeneration } = await import("../../lib/pipeline/cancel");
  for (const g of await fs.stack.db.generation.findMany({ where: { subject: { productId } } })) {
    await cancelGeneration(fs.stack.db, fs.producers, DEMO_SHOP, g.id);
    await waitForEnd(fs.stack, g.id, 60_000);
  }
}

faultCase("10 duplicate deliveries of products/update with the photos → 1 request", { short: true }, async (ctx) => {
  const { product, update } = await productEvents("Webhook: duplicates");
  try {
    // The product was created waiting for photos (as products/create with none ready would leave it).
    await deliverWebhook(fs.stack, {
      path: "/webhooks/products",
      topic: "products/create",
      shop: DEMO_SHOP,
      body: JSON.stringify({ ...JSON.parse(update.body), media: [], images: [] }),
    });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        deliverWebhook(fs.stack, {
          path: "/webhooks/products",
          topic: "products/update",
          shop: DEMO_SHOP,
          body: update.body,
          eventId: "faults-duplicate-1",
        }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    await shopEventsHandled();
    ctx.expectRequest(DEMO_SHOP, product.id, product.title);
    expect(await fs.stack.db.generation.count({ where: { subject: { productId: product.id } } })).toBe(1);
  } finally {
    await autoGeneration(false);
    await cancelRequests(product.id);
  }
});

faultCase(
  "products/update (photos ready) delivered before products/create (no photos yet) → 1 request",
  {},
  async (ctx) => {
    const { product, create, update } = await productEvents("Webhook: out of order");
    try {
      for (const [event, topic] of [
        [update, "products/update"],
        [create, "products/create"],
      ] as const) {
        const answer = await deliverWebhook(fs.stack, {
          path: "/webhooks/products",
          topic,
          shop: DEMO_SHOP,
          body: event.body,
        });
        expect(answer.status, topic).toBe(200);
      }
      await shopEventsHandled();
      ctx.expectRequest(DEMO_SHOP, product.id, product.title);
      expect(await fs.stack.db.generation.count({ where: { subject: { productId: product.id } } })).toBe(1);
    } finally {
      await autoGeneration(false);
      await cancelRequests(product.id);
    }
  },
);

for (const [name, hmac, status] of [
  ["forged HMAC", "Zm9yZ2VkLWhtYWM=", 401],
  ["missing HMAC", "", 400],
] as const) {
  faultCase(
    `${name} on every webhook route → ${status}, nothing recorded`,
    { short: name === "forged HMAC" },
    async () => {
      const events = await fs.stack.db.webhookEvent.count();
      const generations = await fs.stack.db.generation.count();
      const body = JSON.stringify({ admin_graphql_api_id: teapot.id, title: "Forged", images: [{}, {}, {}] });
      for (const [path, topic] of [
        ["/webhooks/products", "products/create"],
        ["/webhooks/compliance", "shop/redact"],
        ["/webhooks/app/uninstalled", "app/uninstalled"],
      ] as const) {
        const response = hmac
          ? await deliverWebhook(fs.stack, { path, topic, shop: DEMO_SHOP, body, hmac })
          : await fetch(new URL(path, fs.stack.appUrl), {
              method: "POST",
              body,
              headers: {
                "Content-Type": "application/json",
                "X-Shopify-Topic": topic,
                "X-Shopify-Shop-Domain": DEMO_SHOP,
                "X-Shopify-Webhook-Id": "w1",
                "X-Shopify-API-Version": SHOPIFY_API_VERSION,
              },
            });
        expect(response.status, path).toBe(status);
      }
      expect(await fs.stack.db.webhookEvent.count()).toBe(events);
      expect(await fs.stack.db.generation.count()).toBe(generations);
      expect(await fs.stack.db.session.count({ where: { shop: DEMO_SHOP } })).toBeGreaterThan(0);
    },
  );
}

faultCase(
  "THROTTLED (the shop's bucket empty) when the merchant opens the app: the plan check waits, the page loads",
  {},
  async () => {
    const throttledBefore = control().stats().throttled;
    control().setAvailable(DEMO_SHOP, 0);
    const page = await fs.stack.openEmbeddedApp(DEMO_SHOP);
    const html = await page.text();
    expect(page.status, html.slice(0, 200)).toBe(200);
    expect(html).toContain("Products");
    expect(control().stats().throttled).toBeGreaterThan(throttledBefore);
  },
);

faultCase(
  "expired session token → 401 on pages and API routes, with Shopify's retry header",
  { short: true },
  async () => {
    const expired = await control().mintSessionToken(DEMO_SHOP, { clockSkewSeconds: -3600 });
    const teapotPath = `/app/products/${numericId(teapot.id)}`;
    for (const [path, init] of [
      [dataUrl("/app", "routes/app._index"), {}],
      [dataUrl(teapotPath, "routes/app.products.$id"), {}],
      [dataUrl(`${teapotPath}/progress`, "routes/app.products.$id.progress"), {}],
      [
        "/api/scenes/preview",
        {
          method: "POST",
          body: JSON.stringify({ productIds: [teapot.id] }),
          headers: { "Content-Type": "application/json" },
        },
      ],
    ] as const) {
      const response = await fetch(new URL(path, fs.stack.appUrl), {
        ...init,
        headers: {
          ...("headers" in init ? init.headers : {}),
          Authorization: `Bearer ${expired}`,
          "User-Agent": "Mozilla/5.0 Chrome/130.0",
        },
      });
      expect(response.status, path).toBe(401);
      expect(response.headers.get("X-Shopify-Retry-Invalid-Session-Request"), path).toBe("1");
      expect(await response.text(), path).not.toContain("Teapot");
    }
  },
);
