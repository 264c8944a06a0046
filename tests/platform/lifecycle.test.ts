// app/uninstalled and shop/redact through real HTTP: the local store uninstalls a shop and sends the
// signed webhook; afterwards nothing of that shop is left (rows, sessions, blobs, queued jobs)
// while the other shop's data is exactly as before.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, OTHER_SHOP } from "../../devstore";
import { countShopData, countShopJobs } from "../../lib/lifecycle";
import type { Producers } from "../../lib/queue/producer";
import { blobKey, LocalBlobStore } from "../../lib/storage";
import { startTestStack, type ProcessHandle, type TestStack } from "../harness/stack";
import { approvePlan, deliverWebhook, extensionPost, shopProducts, stackProducers, waitFor } from "./helpers";

let stack: TestStack;
let producers: Producers;
/** Runs the uninstall cleanup the app queues (the publish queue only: the seeded flows stay queued). */
let worker: ProcessHandle;
let blobs: LocalBlobStore;

/** What the pipeline leaves for a shop: two requests queued, photos, adapter weights, candidates, usage. */
async function seedShop(shop: string): Promise<void> {
  await stack.installShop(shop);
  await approvePlan(stack, shop);
  const products = (await shopProducts(stack, shop)).filter((p) => p.photos >= 3).slice(0, 2);
  const { status, body } = await extensionPost(stack, "/api/scenes/generate", shop, {
    productIds: products.map((p) => p.id),
  });
  expect(status).toBe(200);
  expect(body.counts.queued).toBe(2);
  for (const generation of await stack.db.generation.findMany({ where: { shop } })) {
    await stack.db.candidate.create({
      data: {
        shop,
        generationId: generation.id,
        subjectId: generation.subjectId,
        sceneId: "g7",
        sceneKind: "general",
        prompt: "on the beach",
        seed: 1,
        imageBlobKey: blobKey(shop, "candidates", `${generation.id}.png`),
      },
    });
    await blobs.put(blobKey(shop, "subjects", generation.subjectId, "originals", "1.jpg"), Buffer.from("photo"));
    await blobs.put(blobKey(shop, "adapters", generation.subjectId, "lora.safetensors"), Buffer.from("weights"));
    await blobs.put(blobKey(shop, "candidates", `${generation.id}.png`), Buffer.from("candidate"));
  }
  await stack.db.usageRecord.create({
    data: {
      shop,
      kind: "images_published",
      quantity: 1,
      idempotencyKey: `${shop}:images_published:seed`,
      amountUsd: 0.1,
    },
  });
  // The requests above made the shop's row (they take turns on it); give it settings.
  await stack.db.shop.update({ where: { shop }, data: { autoGenerate: true, monthlyCapUsd: 50 } });
  await stack.db.webhookEvent.create({ data: { shop, eventId: "seen-event", topic: "products/create" } });
}

function nothingLeft(counts: object) {
  return Object.fromEntries(Object.keys(counts).map((k) => [k, 0]));
}

beforeAll(async () => {
  stack = await startTestStack();
  producers = stackProducers(stack);
  worker = await stack.startWorker({ WORKER_QUEUES: "publish" });
  blobs = new LocalBlobStore({ rootDir: stack.env.STORAGE_DIR!, publicBaseUrl: stack.appUrl, signingKey: "test" });
  await seedShop(DEMO_SHOP);
  await seedShop(OTHER_SHOP);
});

afterAll(async () => {
  await worker?.kill("SIGKILL");
  await producers?.close();
  await stack?.close();
});

describe("uninstall and shop/redact", () => {
  it("uninstall leaves 0 rows, 0 blobs and 0 queued jobs of the shop; the other shop is untouched", async () => {
    const before = await countShopData({ client: stack.db, store: blobs }, DEMO_SHOP);
    expect(before).toMatchObject({
      sessions: 1,
      shops: 1,
      subjects: 2,
      generations: 2,
      candidates: 2,
      webhookEvents: 1,
      usageRecords: 1,
      blobs: 6,
    });
    expect((await countShopJobs(producers, DEMO_SHOP)).waiting).toBe(12);
    const otherBefore = await countShopData({ client: stack.db, store: blobs }, OTHER_SHOP);
    const otherJobsBefore = await countShopJobs(producers, OTHER_SHOP);

    stack.store.control.uninstall(DEMO_SHOP);
    await stack.store.control.webhooksSettled();
    const attempts = stack.store.control.webhookAttempts().filter((a) => a.topic === "app/uninstalled");
    expect(attempts.map((a) => a.status)).toEqual([200]);
    await waitFor(
      "the queued cleanup to delete the shop's sessions",
      async () => (await stack.db.session.count({ where: { shop: DEMO_SHOP } })) === 0,
    );
    await waitFor("the cleanup job to finish", async () => (await countShopJobs(producers, DEMO_SHOP)).active === 0);

    const after = await countShopData({ client: stack.db, store: blobs }, DEMO_SHOP);
    expect(after).toEqual(nothingLeft(after));
    expect(await countShopJobs(producers, DEMO_SHOP)).toEqual({ waiting: 0, active: 0, finished: 0 });
    expect(await countShopData({ client: stack.db, store: blobs }, OTHER_SHOP)).toEqual(otherBefore);
    expect(await countShopJobs(producers, OTHER_SHOP)).toEqual(otherJobsBefore);
  });

  it("a redelivered app/uninstalled is answered 200 and changes nothing", async () => {
    const body = JSON.stringify({ domain: DEMO_SHOP, myshopify_domain: DEMO_SHOP });
    const response = await deliverWebhook(stack, {
      path: "/webhooks/app/uninstalled",
      topic: "app/uninstalled",
      shop: DEMO_SHOP,
      body,
    });
    expect(response.status).toBe(200);
    expect(await countShopData({ client: stack.db, store: blobs }, OTHER_SHOP)).toMatchObject({
      generations: 2,
      blobs: 6,
    });
  });

  it("shop/redact deletes the shop's data the same way", async () => {
    stack.store.control.compliance("shop/redact", OTHER_SHOP);
    await stack.store.control.webhooksSettled();
    const after = await countShopData({ client: stack.db, store: blobs }, OTHER_SHOP);
    expect(after).toEqual(nothingLeft(after));
    expect(await countShopJobs(producers, OTHER_SHOP)).toEqual({ waiting: 0, active: 0, finished: 0 });
  });
});
