// Shared steps of the fault suite: one stack per file with both shops installed, scene requests for
// the local store's products, and waiting for a request to reach a stage or to end.
import sharp from "sharp";
import { cancelGeneration } from "../../lib/pipeline/cancel";
import { reviewCandidate } from "../../lib/pipeline/review";
import { blobKey, LocalBlobStore } from "../../lib/storage";
import { seedReviewedProduct } from "../browser/seed-candidates";
import { requestScenes, type GenerationOptions } from "../../lib/pipeline/request-scenes";
import type { TestDatabaseKind } from "../harness/database";
import { PIPELINE_STAGES, stageJobId, type PipelineStage } from "../../lib/pipeline/stages";
import { stalledJobRecoveryMs } from "../../lib/queue/queues";
import type { Producers } from "../../lib/queue/producer";
import { ProductsPageDocument } from "../../lib/shopify-admin";
import { DEMO_SHOP, startTestStack, type TestStack } from "../harness/stack";
import { waitFor, waitForGeneration } from "../pipeline/helpers";
import { approvePlan, stackProducers } from "../platform/helpers";
import { OTHER_SHOP } from "../../devstore";
import { auditStack } from "./audit";
import type { FaultAuditor } from "./fault-case";

export { DEMO_SHOP, OTHER_SHOP };

export interface FaultStack extends FaultAuditor {
  stack: TestStack;
  producers: Producers;
  close(): Promise<void>;
}

/** The workers' lock duration in the fault suite (WORKER_LOCK_MS), which bounds how soon a killed worker's job runs again. */
export const FAULT_LOCK_MS = 5_000;

/** The real stack (app, local store, SQLite, a private Redis prefix, blob folder) with both shops installed, the demo shop on the paid plan. */
export async function startFaultStack(
  env: Record<string, string> = {},
  options: { database?: TestDatabaseKind } = {},
): Promise<FaultStack> {
  // Short locks: a killed worker's job is picked up again within seconds, not BullMQ's 30 s.
  const stack = await startTestStack({
    env: { WORKER_LOCK_MS: String(FAULT_LOCK_MS), ...env },
    database: options.database,
  });
  await stack.installShop(DEMO_SHOP);
  await stack.installShop(OTHER_SHOP);
  await approvePlan(stack, DEMO_SHOP);
  const producers = stackProducers(stack);
  return {
    stack,
    producers,
    audit: () => auditStack(stack, producers),
    hasRequest: async (shop, productId) =>
      (await stack.db.generation.count({ where: { shop, subject: { productId } } })) > 0,
    async close() {
      await producers.close();
      await stack.close();
    },
  };
}

export interface StoreProduct {
  id: string;
  title: string;
  productType: string;
  /** READY image URLs, in media order. */
  photoUrls: string[];
}

export async function storeProduct(stack: TestStack, title: string, shop = DEMO_SHOP): Promise<StoreProduct> {
  const { products } = await (
    await stack.adminClient(shop)
  ).request(ProductsPageDocument, { first: 10, query: `title:${title}`, mediaFirst: 20 });
  const found = products.nodes.find((p) => p.title.toLowerCase() === title.toLowerCase());
  if (!found)
    throw new Error(`no product "${title}" in ${shop} (have ${products.nodes.map((p) => p.title).join(", ")})`);
  const photoUrls = found.media.nodes.flatMap((m) =>
    "image" in m && m.image?.url && m.status === "READY" ? [m.image.url] : [],
  );
  return { id: found.id, title: found.title, productType: found.productType, photoUrls };
}

/** A new product in the shop with these photos (URLs the store fetches), once they are processed. */
export async function newProduct(
  stack: TestStack,
  title: string,
  photoUrls: string[],
  shop = DEMO_SHOP,
): Promise<StoreProduct> {
  const { id } = stack.store.control.createProduct(shop, { title, productType: "teapot", imageUrls: photoUrls });
  await waitFor(
    `${title}'s photos to be processed`,
    async () => {
      const media = stack.store.control.productMedia(shop, id);
      return media.every((m) => m.status === "READY" || m.status === "FAILED") ? true : undefined;
    },
    30_000,
  );
  return storeProduct(stack, title, shop);
}

export async function requestFor(
  fs: FaultStack,
  product: Pick<StoreProduct, "id" | "title" | "productType">,
  options: GenerationOptions & { sceneIds?: string[]; customScenes?: string[]; classNoun?: string; shop?: string } = {},
) {
  const { sceneIds = ["g7"], customScenes, classNoun, shop = DEMO_SHOP, ...generationOptions } = options;
  const { generation } = await requestScenes(fs.stack.db, fs.producers, {
    shop,
    product: {
      id: product.id,
      title: product.title,
      productType: product.productType === "fixture" ? "teapot" : product.productType,
    },
    classNoun,
    sceneIds,
    customScenes,
    imagesPerScene: 1,
    source: "interactive",
    options: generationOptions,
  });
  return generation;
}

/** Waits until the request runs `stage` (fails if it ends first). */
export async function waitForStage(stack: TestStack, generationId: string, stage: PipelineStage, intervalMs = 50) {
  return waitFor(
    `request ${generationId} to reach ${stage}`,
    async () => {
      const g = await stack.db.generation.findUniqueOrThrow({ where: { id: generationId } });
      if (["failed", "succeeded", "cancelled"].includes(g.status))
        throw new Error(`request ended (${g.status}: ${g.error}) before ${stage}`);
      return g.stage === stage && g.status === "running" ? g : undefined;
    },
    180_000,
    intervalMs,
  );
}

/**
 * After a worker running `stage` was killed and its replacement is up: the stage's job runs again
 * within the stalled-job bound of the fault suite's locks (lib/queue/queues.ts), waited for twice
 * over as margin for a loaded host's timers. A job failed instead (its stalls over the limit) is
 * reported at once.
 */
export async function expectTakenAgain(fs: FaultStack, generationId: string, stage: PipelineStage, killedAt: number) {
  const bound = stalledJobRecoveryMs(FAULT_LOCK_MS);
  const queue = PIPELINE_STAGES.find((s) => s.name === stage)!.queue;
  const jobId = stageJobId(generationId, stage);
  await waitFor(
    `the ${stage} job to run again on the new worker (bound ${bound / 1000} s for ${FAULT_LOCK_MS / 1000} s locks, waited twice that)`,
    async () => {
      const job = await fs.producers.queue(queue).getJob(jobId);
      if (!job) throw new Error(`the ${stage} job ${jobId} is gone`);
      if ((await job.getState()) === "failed") throw new Error(`the ${stage} job failed: ${job.failedReason}`);
      return (job.processedOn ?? 0) > killedAt || job.finishedOn ? true : undefined;
    },
    2 * bound,
    100,
  );
}

export const ENDED = ["succeeded", "failed", "cancelled"];

export const waitForEnd = (stack: TestStack, generationId: string, timeoutMs = 240_000) =>
  waitForGeneration(stack.db, generationId, ENDED, timeoutMs);

/** Lets the request run until `stage` (the photos are in and checked by then), cancels it and waits for it to end. */
export async function runUntil(fs: FaultStack, generationId: string, stage: PipelineStage) {
  await waitForStage(fs.stack, generationId, stage, 100);
  await cancelGeneration(fs.stack.db, fs.producers, DEMO_SHOP, generationId);
  return waitForEnd(fs.stack, generationId, 120_000);
}

/**
 * A product in review with one scored image that is already upscaled (as the worker leaves it), so
 * that publishing faults are tried without the GPU stages. The product has no photos of its own.
 */
export async function approvableImage(
  fs: FaultStack,
  title: string,
): Promise<{ productId: string; candidateId: string }> {
  const { id: productId } = fs.stack.store.control.createProduct(DEMO_SHOP, { title, productType: "teapot" });
  const { candidateIds } = await seedReviewedProduct(fs.stack, DEMO_SHOP, { id: productId, title }, "teapot", [
    { sceneId: "g7", scores: { dino: 0.7, clipI: 0.8, clipT: 0.3, itm: 0.95, itc: 0.4 }, selected: true },
  ]);
  const candidateId = candidateIds[0]!;
  const candidate = await fs.stack.db.candidate.findUniqueOrThrow({ where: { id: candidateId } });
  const key = blobKey(DEMO_SHOP, "subjects", candidate.subjectId, "candidates", `${candidateId}-2048.jpg`);
  const store = new LocalBlobStore({
    rootDir: fs.stack.env.STORAGE_DIR!,
    publicBaseUrl: fs.stack.appUrl,
    signingKey: "unused",
  });
  const upscaled = await sharp({
    create: {
      width: 2048,
      height: 2048,
      channels: 3,
      background: "#808080",
      noise: { type: "gaussian", mean: 128, sigma: 40 },
    },
  })
    .jpeg()
    .toBuffer();
  await store.put(key, upscaled, { contentType: "image/jpeg" });
  await fs.stack.db.candidate.update({ where: { id: candidateId }, data: { upscaledBlobKey: key } });
  return { productId, candidateId };
}

/** The merchant approves the image; resolves with the candidate once it is published or has failed. */
export async function approveAndSettle(fs: FaultStack, candidateId: string, timeoutMs = 120_000) {
  await reviewCandidate(fs.stack.db, fs.producers, DEMO_SHOP, candidateId, { decision: "approve" });
  return settleCandidate(fs, candidateId, timeoutMs);
}

export async function settleCandidate(fs: FaultStack, candidateId: string, timeoutMs = 120_000) {
  return waitFor(
    `image ${candidateId} to be published or fail`,
    async () => {
      const c = await fs.stack.db.candidate.findUniqueOrThrow({ where: { id: candidateId } });
      return c.state === "published" || c.state === "failed" ? c : undefined;
    },
    timeoutMs,
  );
}

/** The product's media that SceneBooth published for this image (by the upload's file name). */
export const publishedCopies = (fs: FaultStack, productId: string, candidateId: string) =>
  fs.stack.store.control
    .productMedia(DEMO_SHOP, productId)
    .filter((m) => m.filename.startsWith(`scenebooth-${candidateId}.`));
