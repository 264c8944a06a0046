// Billing on the real stack (local store's Billing API, built app, worker on the `tiny` profile):
// the embedded app sends a shop without the plan to approve it; the worker charges a tuned product
// and a published image once each (Shopify's idempotency key + the UsageRecord row), even when a job
// runs again; a shop without the plan or over its cap gets no GPU work and a message it can act on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, OTHER_SHOP } from "../../devstore";
import { PLAN_CAPPED_AMOUNT_USD, PLAN_NAME, PLAN_TERMS } from "../../lib/billing";
import { requestScenes } from "../../lib/pipeline/request-scenes";
import { reviewCandidate } from "../../lib/pipeline/review";
import type { Producers } from "../../lib/queue/producer";
import { saveShopSettings, readShopSettings } from "../../lib/shop-settings";
import { ProductsPageDocument, ProductWithMediaDocument } from "../../lib/shopify-admin";
import { PRICES_USD, usageKey } from "../../lib/usage";
import { BROWSER_USER_AGENT, planApprovalUrl, startTestStack, type TestStack } from "../harness/stack";
import { adminGraphql, stackProducers, waitFor } from "./helpers";
import { studioPost } from "../faults/routes";

interface StoreSubscription {
  id: string;
  name: string;
  status: string;
  test: boolean;
  lineItems: Array<{
    plan: { pricingDetails: { cappedAmount?: { amount: string }; terms?: string } };
    usageRecords: { nodes: Array<{ description: string; idempotencyKey: string | null; price: { amount: string } }> };
  }>;
}

let stack: TestStack;
let producers: Producers;

/** The shop's app subscriptions and usage records as the local store holds them. */
async function storeSubscriptions(shop: string): Promise<StoreSubscription[]> {
  const data = await adminGraphql<{ currentAppInstallation: { allSubscriptions: { nodes: StoreSubscription[] } } }>(
    stack,
    shop,
    `{ currentAppInstallation { allSubscriptions(first: 5) { nodes { id name status test lineItems {
        plan { pricingDetails { ... on AppUsagePricing { cappedAmount { amount } terms } } }
        usageRecords(first: 20) { nodes { description idempotencyKey price { amount } } } } } } } }`,
  );
  return data.currentAppInstallation.allSubscriptions.nodes;
}

async function storeUsageRecords(shop: string) {
  return (await storeSubscriptions(shop)).flatMap((s) => s.lineItems.flatMap((item) => item.usageRecords.nodes));
}

async function product(shop: string, title: string) {
  const { products } = await (
    await stack.adminClient(shop)
  ).request(ProductsPageDocument, { first: 5, query: `title:${title}`, mediaFirst: 1 });
  const found = products.nodes.find((p) => p.title.toLowerCase().startsWith(title.toLowerCase()));
  if (!found) throw new Error(`no product ${title} in ${shop}`);
  return { id: found.id, title: found.title, productType: found.productType };
}

async function mediaCount(shop: string, productId: string): Promise<number> {
  const { product } = await (
    await stack.adminClient(shop)
  ).request(ProductWithMediaDocument, { id: productId, mediaFirst: 50 });
  return product!.media.nodes.length;
}

async function request(shop: string, title: string) {
  const { generation } = await requestScenes(stack.db, producers, {
    shop,
    product: await product(shop, title),
    sceneIds: ["g7"],
    imagesPerScene: 1,
    source: "interactive",
    options: { allowLowDiversity: true },
  });
  return generation;
}

async function finished(generationId: string) {
  let done: Awaited<ReturnType<typeof stack.db.generation.findUniqueOrThrow>> | undefined;
  await waitFor(
    `request ${generationId} to finish`,
    async () => {
      done = await stack.db.generation.findUniqueOrThrow({ where: { id: generationId } });
      return done.status !== "queued" && done.status !== "running";
    },
    300_000,
  );
  return done!;
}

async function candidateSettled(candidateId: string) {
  let candidate: Awaited<ReturnType<typeof stack.db.candidate.findUniqueOrThrow>> | undefined;
  await waitFor(
    `candidate ${candidateId} to be published or fail`,
    async () => {
      candidate = await stack.db.candidate.findUniqueOrThrow({ where: { id: candidateId } });
      return candidate.state === "published" || candidate.state === "failed";
    },
    120_000,
  );
  return candidate!;
}

beforeAll(async () => {
  stack = await startTestStack();
  await stack.installShop(DEMO_SHOP);
  await stack.installShop(OTHER_SHOP, { plan: false });
  producers = stackProducers(stack);
  await stack.startWorker();
}, 120_000);

afterAll(async () => {
  await producers?.close();
  await stack?.close();
});

describe("usage charges from the worker", () => {
  it("charges a tuned product once, and a published image once even when its publish job runs again", async () => {
    const backpack = await product(DEMO_SHOP, "Backpack");
    const first = await finished((await request(DEMO_SHOP, "Backpack")).id);
    expect(first.error).toBeNull();
    expect(first.status).toBe("succeeded");
    const runKey = usageKey(DEMO_SHOP, "tuned_product", first.tuningRunId!);
    expect(await storeUsageRecords(DEMO_SHOP)).toEqual([
      { description: "Taught the model: Backpack", idempotencyKey: runKey, price: { amount: "0.5" } },
    ]);
    expect(await stack.db.usageRecord.findMany({ where: { shop: DEMO_SHOP, kind: "tuned_product" } })).toEqual([
      expect.objectContaining({ idempotencyKey: runKey, amountUsd: PRICES_USD.tuned_product }),
    ]);

    const [candidate] = await stack.db.candidate.findMany({ where: { generationId: first.id } });
    const imageKey = usageKey(DEMO_SHOP, "images_published", candidate!.id);
    await reviewCandidate(stack.db, producers, DEMO_SHOP, candidate!.id, { decision: "approve" });
    const published = await candidateSettled(candidate!.id);
    expect(published.error).toBeNull();
    expect(published.state).toBe("published");
    const media = await mediaCount(DEMO_SHOP, backpack.id);

    // The publish job runs again, as after a try that died once the image was published and charged
    // but before the candidate was marked published: the same media, no second charge anywhere.
    await stack.db.candidate.update({
      where: { id: candidate!.id },
      data: { state: "approved", publishedMediaId: null },
    });
    await producers
      .queue("publish")
      .add("publish", { shop: DEMO_SHOP, candidateId: candidate!.id }, { jobId: `${candidate!.id}-publish-again` });
    const again = await candidateSettled(candidate!.id);
    expect(again).toMatchObject({ state: "published", publishedMediaId: published.publishedMediaId, error: null });
    expect(await mediaCount(DEMO_SHOP, backpack.id)).toBe(media);
    const records = await storeUsageRecords(DEMO_SHOP);
    expect(records.filter((r) => r.idempotencyKey === imageKey)).toEqual([
      { description: "Scene image published: Backpack", idempotencyKey: imageKey, price: { amount: "0.1" } },
    ]);
    expect(records).toHaveLength(2);
    expect(await stack.db.usageRecord.count({ where: { shop: DEMO_SHOP, kind: "images_published" } })).toBe(1);

    // A second request with the same photos and settings reuses the weights: no second tuning charge.
    const second = await finished((await request(DEMO_SHOP, "Backpack")).id);
    expect(second.status).toBe("succeeded");
    expect(second.tuningRunId).toBe(first.tuningRunId);
    expect(await storeUsageRecords(DEMO_SHOP)).toHaveLength(2);
    expect(await stack.db.usageRecord.count({ where: { shop: DEMO_SHOP, kind: "tuned_product" } })).toBe(1);
  }, 600_000);

  it("once the merchant's cap is reached: no tuning starts and no image is published, each with the cap's message", async () => {
    const spent = (await stack.db.usageRecord.aggregate({ where: { shop: DEMO_SHOP }, _sum: { amountUsd: true } }))._sum
      .amountUsd!;
    expect(spent).toBeCloseTo(PRICES_USD.tuned_product + PRICES_USD.images_published);
    await saveShopSettings(stack.db, DEMO_SHOP, {
      ...(await readShopSettings(stack.db, DEMO_SHOP)),
      monthlyCapUsd: spent,
    });
    const recordsBefore = await storeUsageRecords(DEMO_SHOP);

    const generation = await request(DEMO_SHOP, "Teapot");
    const done = await finished(generation.id);
    const message =
      /This needs \$0\.50, but only \$0\.00 is left of your monthly spending cap of \$0\.60\. Raise the cap in SceneBooth's settings/;
    expect(done).toMatchObject({ status: "failed", stage: "tune", error: expect.stringMatching(message) });
    // The tuner never started: no tuning run, the product never went into training.
    expect(await stack.db.tuningRun.count({ where: { subjectId: generation.subjectId } })).toBe(0);
    expect(await stack.db.subject.findUniqueOrThrow({ where: { id: generation.subjectId } })).toMatchObject({
      state: "needs_attention",
      lastError: expect.stringMatching(message),
    });

    // An image approved now is not published either.
    const backpack = await product(DEMO_SHOP, "Backpack");
    const mediaBefore = await mediaCount(DEMO_SHOP, backpack.id);
    const pending = await stack.db.candidate.findFirstOrThrow({
      where: { shop: DEMO_SHOP, state: "pending", subject: { productId: backpack.id } },
    });
    await reviewCandidate(stack.db, producers, DEMO_SHOP, pending.id, { decision: "approve" });
    const refused = await candidateSettled(pending.id);
    // Refused before ESRGAN ran: no upscaled image either.
    expect(refused).toMatchObject({
      state: "failed",
      publishedMediaId: null,
      upscaledBlobKey: null,
      error: expect.stringMatching(/This needs \$0\.10, but only \$0\.00 is left of your monthly spending cap/),
    });
    expect(await mediaCount(DEMO_SHOP, backpack.id)).toBe(mediaBefore);
    expect(await storeUsageRecords(DEMO_SHOP)).toEqual(recordsBefore);

    // The studio says so at once, before anything is queued.
    const requestsBefore = await stack.db.generation.count({ where: { shop: DEMO_SHOP } });
    const vase = await product(DEMO_SHOP, "Vase");
    const start = await studioPost(stack, vase.id, {
      intent: "start",
      classNoun: "vase",
      sceneId: "g7",
      imagesPerScene: "1",
    });
    expect(await start.json()).toMatchObject({ ok: false, error: expect.stringMatching(message) });
    const again = await stack.db.candidate.findFirstOrThrow({
      where: { shop: DEMO_SHOP, state: "failed", subject: { productId: backpack.id } },
    });
    const approve = await studioPost(stack, backpack.id, {
      intent: "review",
      candidateId: again.id,
      decision: "approve",
    });
    expect(await approve.json()).toMatchObject({ ok: false, error: expect.stringMatching(/This needs \$0\.10/) });
    expect(await stack.db.generation.count({ where: { shop: DEMO_SHOP } })).toBe(requestsBefore);
    expect(await stack.db.candidate.findUniqueOrThrow({ where: { id: again.id } })).toMatchObject({ state: "failed" });
  }, 300_000);

  it("a shop without the plan gets no tuning, and is told to approve the plan", async () => {
    const generation = await request(OTHER_SHOP, "Teapot");
    const done = await finished(generation.id);
    expect(done).toMatchObject({
      status: "failed",
      stage: "tune",
      error: expect.stringMatching(/Approve the SceneBooth plan first/),
    });
    expect(await stack.db.tuningRun.count({ where: { shop: OTHER_SHOP } })).toBe(0);
    expect(await stack.db.usageRecord.count({ where: { shop: OTHER_SHOP } })).toBe(0);
  }, 300_000);
});

describe("the plan in the embedded app", () => {
  it("sends a shop without the plan to approve a test charge for it, and lets it in once approved", async () => {
    expect((await storeSubscriptions(OTHER_SHOP)).filter((s) => s.status === "ACTIVE")).toEqual([]);
    const opened = await stack.openEmbeddedApp(OTHER_SHOP);
    const approval = planApprovalUrl(opened);
    expect(new URL(opened.headers.get("location")!, stack.appUrl).pathname).toBe("/auth/exit-iframe");
    expect(approval).not.toBeNull();

    // What the app asked Shopify for: the SceneBooth plan, as a test charge (development, local store).
    const created = (await storeSubscriptions(OTHER_SHOP)).find((s) => s.name === PLAN_NAME && s.status === "ACTIVE");
    expect(created).toMatchObject({
      test: true,
      lineItems: [
        { plan: { pricingDetails: { cappedAmount: { amount: `${PLAN_CAPPED_AMOUNT_USD}.0` }, terms: PLAN_TERMS } } },
      ],
    });
    expect(new URL(approval!).searchParams.get("charge_id")).toBe(created!.id.split("/").pop());

    // The exit-iframe page sends the top window to the approval page.
    const exit = await fetch(new URL(opened.headers.get("location")!, stack.appUrl), {
      headers: { "User-Agent": BROWSER_USER_AGENT },
    });
    expect(exit.status).toBe(200);
    expect(await exit.text()).toContain(`window.open(${JSON.stringify(new URL(approval!).toString())}, "_top")`);

    // Approved (the local store approves as the subscription is created): the app opens.
    const back = await stack.openEmbeddedApp(OTHER_SHOP);
    expect(back.status).toBe(200);
    expect(await back.text()).toContain("Products");
  });
});
