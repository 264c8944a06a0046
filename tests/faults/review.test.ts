// Fault suite, review and publishing races: a merchant rejects an image the worker is about to
// upscale or publish, two tabs approve and reject at once; nothing rejected reaches the product and
// nothing is charged for it.
import { afterAll, beforeAll, expect } from "vitest";
import { cancelGeneration } from "../../lib/pipeline/cancel";
import { publishChainJobIds, reviewCandidate } from "../../lib/pipeline/review";
import { GONE_IN_SHOPIFY } from "../../lib/pipeline/published";
import { blobKey, LocalBlobStore } from "../../lib/storage";
import { usageKey } from "../../lib/usage";
import type { ProcessHandle } from "../harness/stack";
import { waitFor } from "../pipeline/helpers";
import { faultGroup } from "./fault-case";
import { PIPELINE_STAGES, stageJobId } from "../../lib/pipeline/stages";
import { adminGraphql } from "../platform/helpers";
import {
  DEMO_SHOP,
  approvableImage,
  approveAndSettle,
  newProduct,
  publishedCopies,
  requestFor,
  settleCandidate,
  startFaultStack,
  storeProduct,
  waitForEnd,
  waitForStage,
  type FaultStack,
} from "./helpers";
import { routePost, studioPost } from "./routes";

let fs: FaultStack;
let worker: ProcessHandle;

beforeAll(async () => {
  fs = await startFaultStack();
  worker = await fs.stack.startWorker();
});
afterAll(async () => {
  await worker?.kill("SIGKILL");
  await fs?.close();
});

const faultCase = faultGroup("platform faults", () => fs, { part: "review" });
const control = () => fs.stack.store.control;
const LIVE = ["waiting", "prioritized", "delayed", "waiting-children", "paused", "active"];

/** Waits until no job of the image's upscale → publish chain is left to run. */
async function chainEnded(candidateId: string, timeoutMs = 60_000): Promise<void> {
  const ids = publishChainJobIds(candidateId);
  await waitFor(
    `the publish chain of ${candidateId} to end`,
    async () => {
      for (const [queue, id] of [
        ["publish", ids.publish],
        ["post", ids.upscale],
      ] as const) {
        const job = await fs.producers.queue(queue).getJob(id);
        if (job && LIVE.includes(await job.getState())) return undefined;
      }
      return true;
    },
    timeoutMs,
  );
}

const review = (candidateId: string, decision: "approve" | "reject") =>
  reviewCandidate(fs.stack.db, fs.producers, DEMO_SHOP, candidateId, { decision });
const publishCharges = (candidateId: string) =>
  fs.stack.db.usageRecord.count({ where: { idempotencyKey: usageKey(DEMO_SHOP, "images_published", candidateId) } });

/** The image is rejected, not on the product, not charged. */
async function expectNothingPublished(productId: string, candidateId: string) {
  const candidate = await fs.stack.db.candidate.findUniqueOrThrow({ where: { id: candidateId } });
  expect([candidate.state, candidate.publishedMediaId]).toEqual(["rejected", null]);
  expect(publishedCopies(fs, productId, candidateId)).toEqual([]);
  expect(await publishCharges(candidateId)).toBe(0);
}

faultCase(
  "approve, then reject before the worker takes the job: the chain is removed, nothing uploaded or charged",
  { short: true },
  async () => {
    const { productId, candidateId } = await approvableImage(fs, "Review: reject before upscale");
    // The worker takes no upscale job while the merchant changes their mind.
    await fs.producers.queue("post").pause();
    try {
      await review(candidateId, "approve");
      await review(candidateId, "reject");
    } finally {
      await fs.producers.queue("post").resume();
    }
    await chainEnded(candidateId);
    // Long enough for a chain that was left behind to publish.
    await new Promise((r) => setTimeout(r, 3_000));
    await expectNothingPublished(productId, candidateId);
  },
);

faultCase(
  "reject while the image is being upscaled: the publish job does not publish; approving again publishes it once",
  {},
  async () => {
    const { productId, candidateId } = await approvableImage(fs, "Review: reject while upscaling");
    // Without a stored 2048 px copy the upscale job reads the plan first: held there for 6 s.
    await fs.stack.db.candidate.update({ where: { id: candidateId }, data: { upscaledBlobKey: null } });
    control().clearFaults();
    control().injectFault({ kind: "delay", ms: 6_000 }, { operation: "ActiveSubscriptions", times: 1 });
    await review(candidateId, "approve");
    await waitFor(
      "the image to be upscaling",
      async () =>
        (await fs.stack.db.candidate.findUniqueOrThrow({ where: { id: candidateId } })).state === "upscaling"
          ? true
          : undefined,
      30_000,
      50,
    );
    const rejected = await review(candidateId, "reject");
    expect(rejected.state).toBe("rejected");
    await chainEnded(candidateId, 120_000);
    expect(control().pendingFaults()).toEqual([]);
    await expectNothingPublished(productId, candidateId);

    const again = await review(candidateId, "approve");
    // The answer reads the state back after queueing: a fast worker may already be upscaling it.
    expect(["approved", "upscaling"]).toContain(again.state);
    const published = await settleCandidate(fs, candidateId, 180_000);
    expect([published.state, published.error]).toEqual(["published", null]);
    expect(publishedCopies(fs, productId, candidateId).map((m) => m.id)).toEqual([published.publishedMediaId]);
    expect(await publishCharges(candidateId)).toBe(1);
  },
);

faultCase(
  "the merchant deleted a published image in Shopify, then clicks Remove in SceneBooth: a clear message, the image listed as removed, nothing else touched",
  {},
  async () => {
    const { productId, candidateId } = await approvableImage(fs, "Review: deleted in Shopify before Remove");
    const published = await approveAndSettle(fs, candidateId);
    expect(published.state).toBe("published");
    const deleted = await adminGraphql(
      fs.stack,
      DEMO_SHOP,
      "mutation($ids: [ID!]!) { fileDelete(fileIds: $ids) { deletedFileIds userErrors { code } } }",
      { ids: [published.publishedMediaId] },
    );
    expect(deleted.fileDelete.deletedFileIds).toEqual([published.publishedMediaId]);
    const others = control().productMedia(DEMO_SHOP, productId);

    const remove = () => studioPost(fs.stack, productId, { intent: "remove-published", candidateId }, DEMO_SHOP);
    const answer = await remove();
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      ok: true,
      message: "This image had already been deleted in Shopify; SceneBooth now lists it as removed.",
    });
    const row = await fs.stack.db.candidate.findUniqueOrThrow({ where: { id: candidateId } });
    expect([row.state, row.error, row.publishedMediaId]).toEqual([
      "removed",
      GONE_IN_SHOPIFY,
      published.publishedMediaId,
    ]);
    expect(control().productMedia(DEMO_SHOP, productId)).toEqual(others);
    // A second click (a retry, another tab) changes nothing.
    expect(await (await remove()).json()).toEqual({
      ok: true,
      message: "This image was already removed from the product.",
    });
    expect(await publishCharges(candidateId)).toBe(1);
  },
);

faultCase(
  "two tabs approve and reject the same images at once: each image ends as the tabs left it — rejected (not on the product) or published once",
  { timeoutMs: 240_000 },
  async () => {
    const images = await Promise.all(Array.from({ length: 6 }, (_, i) => approvableImage(fs, `Review: two tabs ${i}`)));
    // The worker takes no upscale job while the tabs race, so what they leave can be read before it runs.
    await fs.producers.queue("post").pause();
    let left: string[];
    try {
      left = await Promise.all(
        images.map(async ({ candidateId }, i) => {
          const calls = [() => review(candidateId, "approve"), () => review(candidateId, "reject")];
          if (i % 2) calls.reverse();
          await Promise.all(calls.map((call) => call()));
          return (await fs.stack.db.candidate.findUniqueOrThrow({ where: { id: candidateId } })).state;
        }),
      );
    } finally {
      await fs.producers.queue("post").resume();
    }
    for (const [i, { productId, candidateId }] of images.entries()) {
      expect(["approved", "rejected"], candidateId).toContain(left[i]);
      if (left[i] === "rejected") {
        await chainEnded(candidateId);
        await new Promise((r) => setTimeout(r, 1_000));
        await expectNothingPublished(productId, candidateId);
      } else {
        const c = await settleCandidate(fs, candidateId, 120_000);
        expect([c.state, c.error]).toEqual(["published", null]);
        expect(publishedCopies(fs, productId, candidateId).map((m) => m.id)).toEqual([c.publishedMediaId]);
        expect(await publishCharges(candidateId)).toBe(1);
      }
    }
  },
);

faultCase(
  "access log: the embedded app's id_token, signed blob links and ?password= values are not printed",
  { short: true },
  async () => {
    const opened = await fs.stack.openEmbeddedApp(DEMO_SHOP);
    await opened.text();
    // The session token Shopify's admin put in the iframe's URL.
    const token = new URL(opened.url).searchParams.get("id_token")!;
    expect(token.length).toBeGreaterThan(20);
    const store = new LocalBlobStore({
      rootDir: fs.stack.env.STORAGE_DIR!,
      publicBaseUrl: fs.stack.appUrl,
      signingKey: `blob-url:${fs.stack.env.SHOPIFY_API_SECRET}`,
    });
    const key = blobKey(DEMO_SHOP, "log-probe.png");
    await store.put(key, Buffer.from("probe"), { contentType: "image/png" });
    const signed = await store.signedUrl(key);
    const signature = new URL(signed).searchParams.get("signature")!;
    expect((await fetch(signed)).status).toBe(200);
    await (await fetch(new URL("/healthz?password=hunter2-probe", fs.stack.appUrl))).text();
    await waitFor(
      "the access log lines",
      async () =>
        fs.stack.appOutput().includes("/healthz?password=***") && fs.stack.appOutput().includes("signature=***")
          ? true
          : undefined,
      10_000,
    );
    const log = fs.stack.appOutput();
    for (const secret of [token, signature, "hunter2-probe"])
      expect(log.includes(secret), `the log prints ${secret.slice(0, 24)}…`).toBe(false);
    expect(log).toContain("id_token=***");
  },
);

faultCase(
  "security headers: a page without ?shop cannot be framed; blobs are served with nosniff",
  { short: true },
  async () => {
    const page = await fetch(new URL("/", fs.stack.appUrl), { headers: { "User-Agent": "Mozilla/5.0 Chrome/130.0" } });
    await page.text();
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(page.headers.get("content-security-policy")).toBe("frame-ancestors 'none';");
    const embedded = await fs.stack.openEmbeddedApp(DEMO_SHOP);
    await embedded.text();
    expect(embedded.headers.get("content-security-policy")).toContain(`frame-ancestors https://${DEMO_SHOP}`);
    const store = new LocalBlobStore({
      rootDir: fs.stack.env.STORAGE_DIR!,
      publicBaseUrl: fs.stack.appUrl,
      signingKey: `blob-url:${fs.stack.env.SHOPIFY_API_SECRET}`,
    });
    const key = blobKey(DEMO_SHOP, "sniff-probe.png");
    await store.put(key, Buffer.from("<html><script>alert(1)</script>"), { contentType: "image/png" });
    const served = await fetch(await store.signedUrl(key));
    await served.arrayBuffer();
    expect([served.status, served.headers.get("x-content-type-options")]).toEqual([200, "nosniff"]);
    const forbidden = await fetch(new URL(`/blobs/${key}?expires=1&signature=bad`, fs.stack.appUrl));
    await forbidden.text();
    expect([forbidden.status, forbidden.headers.get("x-content-type-options")]).toEqual([403, "nosniff"]);
  },
);

faultCase(
  'products page "Generate": the admin action\'s checks apply — over 100 products refused, a reached spending cap starts nothing',
  {},
  async () => {
    const teapot = await storeProduct(fs.stack, "Teapot");
    const before = await fs.stack.db.generation.count({ where: { shop: DEMO_SHOP } });
    const many = Array.from({ length: 101 }, (_, i) => `gid://shopify/Product/${9_000_000 + i}`);
    const tooMany = (await (await routePost(fs.stack, "/app", "routes/app._index", { productId: many })).json()) as {
      ok: boolean;
      error?: string;
    };
    expect(tooMany).toEqual({ ok: false, error: expect.stringMatching(/Select at most 100 products/) });
    await fs.stack.db.shop.upsert({
      where: { shop: DEMO_SHOP },
      create: { shop: DEMO_SHOP, monthlyCapUsd: 0.01 },
      update: { monthlyCapUsd: 0.01 },
    });
    try {
      const capped = (await (
        await routePost(fs.stack, "/app", "routes/app._index", { productId: [teapot.id] })
      ).json()) as { ok: boolean; message?: string };
      expect(capped.message).toMatch(/not started/);
      expect(await fs.stack.db.generation.count({ where: { shop: DEMO_SHOP } })).toBe(before);
    } finally {
      await fs.stack.db.shop.update({ where: { shop: DEMO_SHOP }, data: { monthlyCapUsd: null } });
      // A request the old path started regardless of the cap is not left to tune.
      for (const g of await fs.stack.db.generation.findMany({
        where: { shop: DEMO_SHOP, status: { in: ["queued", "running"] } },
      })) {
        await cancelGeneration(fs.stack.db, fs.producers, DEMO_SHOP, g.id);
        await waitForEnd(fs.stack, g.id, 120_000);
      }
    }
  },
);

faultCase(
  "product deleted in Shopify while its model is being tuned: nothing charged; its rows, jobs and files are gone",
  { timeoutMs: 300_000 },
  async () => {
    const teapot = await storeProduct(fs.stack, "Teapot");
    const product = await newProduct(fs.stack, "Delete: during tuning", teapot.photoUrls.slice(0, 4));
    const tunings = () => fs.stack.db.usageRecord.count({ where: { shop: DEMO_SHOP, kind: "tuned_product" } });
    const chargedBefore = await tunings();
    const generation = await requestFor(fs, product, { allowLowDiversity: true });
    await waitForStage(fs.stack, generation.id, "tune");
    const deleted = await adminGraphql(
      fs.stack,
      DEMO_SHOP,
      `mutation($id: ID!) { productDelete(input: { id: $id }) { deletedProductId userErrors { message } } }`,
      { id: product.id },
    );
    expect(deleted.productDelete).toEqual({ deletedProductId: product.id, userErrors: [] });
    await control().webhooksSettled();
    expect(
      control()
        .webhookAttempts()
        .filter((a) => a.topic === "products/delete")
        .at(-1)?.status,
    ).toBe(200);
    // The running tune finds its request gone and stops; nothing of the product is left to run.
    await waitFor(
      "the product's jobs to end",
      async () => {
        for (const stage of PIPELINE_STAGES) {
          const job = await fs.producers.queue(stage.queue).getJob(stageJobId(generation.id, stage.name));
          if (job && LIVE.includes(await job.getState())) return undefined;
        }
        return true;
      },
      120_000,
    );
    expect(await fs.stack.db.subject.count({ where: { shop: DEMO_SHOP, productId: product.id } })).toBe(0);
    expect(await fs.stack.db.generation.count({ where: { id: generation.id } })).toBe(0);
    expect(await fs.stack.db.trainingImage.count({ where: { subjectId: generation.subjectId } })).toBe(0);
    expect(await tunings()).toBe(chargedBefore);
    const store = new LocalBlobStore({
      rootDir: fs.stack.env.STORAGE_DIR!,
      publicBaseUrl: fs.stack.appUrl,
      signingKey: "unused",
    });
    expect(await store.list(`${blobKey(DEMO_SHOP, "subjects", generation.subjectId)}/`)).toEqual([]);
  },
);
