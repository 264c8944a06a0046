/**
 * Orchestration overhead per product on the `tiny` profile: the real stack (local store, app,
 * worker, Redis, SQLite, local storage) takes sample products from request to published media, and
 * the time spent inside model code (the tuner subprocess for tune and generate, ONNX scoring,
 * ESRGAN), which each stage returns, is subtracted from the wall time of the stage jobs, and so is
 * the time publishing waits for Shopify to process the uploaded image (the local store imitates
 * Shopify's UPLOADED → PROCESSING → READY steps; the publish job reports how long it polled).
 * What remains is queue hops, database and storage work, photo download and preparation, and the
 * Admin API calls of publishing. Goal (issue: the product pipeline): ≤ 1 s per product.
 */
import type { Job } from "bullmq";
import { requestScenes } from "../lib/pipeline/request-scenes";
import { reviewCandidate } from "../lib/pipeline/review";
import { PIPELINE_STAGES, stageJobId } from "../lib/pipeline/stages";
import type { Producers } from "../lib/queue/producer";
import { ProductsPageDocument } from "../lib/shopify-admin";
import { stackProducers, waitFor, waitForGeneration } from "../tests/pipeline/helpers";
import { DEMO_SHOP, startTestStack, type TestStack } from "../tests/harness/stack";
import { figure, median, type Figure } from "./figure";

const PRODUCTS = ["backpack", "teapot", "vase"];

interface ProductTiming {
  wallSeconds: number;
  modelSeconds: number;
  /** Waiting for Shopify's media processing while publishing. */
  shopifySeconds: number;
  /** Per job: seconds waiting in its queue after it could run, and seconds running. */
  jobs: Array<{ name: string; waitSeconds: number; runSeconds: number; modelSeconds: number }>;
}

/**
 * The finished job. Its result can be visible before the job is: publishing marks the candidate
 * published, then returns, and BullMQ records the job as finished a moment later.
 */
async function job(producers: Producers, queue: Parameters<Producers["queue"]>[0], id: string): Promise<Job> {
  return waitFor(
    `job ${id} to finish`,
    async () => {
      const found = await producers.queue(queue).getJob(id);
      return found?.finishedOn ? found : undefined;
    },
    10_000,
    50,
  );
}

/** One product, request → scored candidates → the best one approved → published. */
async function runProduct(stack: TestStack, producers: Producers, title: string): Promise<ProductTiming> {
  const admin = await stack.adminClient();
  const { products } = await admin.request(ProductsPageDocument, { first: 5, query: `title:${title}`, mediaFirst: 1 });
  const product = products.nodes.find((p) => p.title.toLowerCase().includes(title));
  if (!product) throw new Error(`no product ${title} in the local store`);
  const { generation } = await requestScenes(stack.db, producers, {
    shop: DEMO_SHOP,
    product: { id: product.id, title: product.title, productType: product.productType },
    sceneIds: ["g7", "g5", "s18"],
    imagesPerScene: 2,
    source: "interactive",
  });
  const done = await waitForGeneration(stack.db, generation.id, ["succeeded", "failed", "cancelled"], 300_000);
  if (done.status !== "succeeded") throw new Error(`orchestration bench: ${title} ${done.status}: ${done.error}`);
  const [best] = await stack.db.candidate.findMany({
    where: { generationId: generation.id },
    orderBy: [{ selected: "desc" }, { itm: "desc" }],
    take: 1,
  });
  await reviewCandidate(stack.db, producers, DEMO_SHOP, best!.id, { decision: "approve" });
  await waitFor(
    `${title} to be published`,
    async () => {
      const c = await stack.db.candidate.findUnique({ where: { id: best!.id } });
      if (c?.state === "failed") throw new Error(`publishing failed: ${c.error}`);
      return c?.state === "published" ? c : undefined;
    },
    300_000,
    100,
  );

  const stages = await Promise.all(
    PIPELINE_STAGES.map((s) => job(producers, s.queue, stageJobId(generation.id, s.name))),
  );
  const upscale = await job(producers, "post", `${best!.id}-upscale`);
  const publish = await job(producers, "publish", `${best!.id}-publish`);
  // From the request's first job being queued to its last stage finishing, then from approval to the media.
  const wallMs = stages.at(-1)!.finishedOn! - stages[0]!.timestamp + (publish.finishedOn! - upscale.timestamp);
  const byName = Object.fromEntries(
    PIPELINE_STAGES.map((s, i) => [s.name, stages[i]!.returnvalue as Record<string, number>]),
  );
  const modelSeconds =
    Number(byName["dataset-check"]?.modelSeconds ?? 0) +
    Number(byName.tune?.modelSeconds ?? 0) +
    Number(byName.generate?.modelSeconds ?? 0) +
    Number(byName.score?.modelSeconds ?? 0) +
    Number((upscale.returnvalue as { modelSeconds?: number }).modelSeconds ?? 0);
  const shopifySeconds = Number(
    (publish.returnvalue as { shopifyProcessingSeconds?: number }).shopifyProcessingSeconds ?? 0,
  );
  const chain = [...stages, upscale, publish];
  const jobs = chain.map((j, i) => {
    // A job can run once it is queued and the job before it in the chain has finished.
    const ready = i === 0 || j === upscale ? j.timestamp : Math.max(j.timestamp, chain[i - 1]!.finishedOn!);
    const value = (j.returnvalue ?? {}) as Record<string, number>;
    return {
      name: j.name,
      waitSeconds: (j.processedOn! - ready) / 1000,
      runSeconds: (j.finishedOn! - j.processedOn!) / 1000,
      modelSeconds: Number(value.modelSeconds ?? 0),
    };
  });
  return { wallSeconds: wallMs / 1000, modelSeconds, shopifySeconds, jobs };
}

export async function benchOrchestration(log: (line: string) => void = console.log): Promise<Figure[]> {
  const stack = await startTestStack();
  const producers = stackProducers(stack);
  try {
    await stack.installShop();
    await stack.startWorker();
    const timings: ProductTiming[] = [];
    for (const title of PRODUCTS) {
      const t = await runProduct(stack, producers, title);
      log(
        `orchestration bench: ${title}: ${t.wallSeconds.toFixed(2)} s in the pipeline, ${t.modelSeconds.toFixed(2)} s of it in models, ` +
          `${t.shopifySeconds.toFixed(2)} s waiting for Shopify's media processing`,
      );
      for (const j of t.jobs)
        log(
          `  ${j.name.padEnd(14)} waited ${j.waitSeconds.toFixed(3)} s, ran ${j.runSeconds.toFixed(3)} s (models ${j.modelSeconds.toFixed(3)} s)`,
        );
      timings.push(t);
    }
    const overhead = median(timings.map((t) => t.wallSeconds - t.modelSeconds - t.shopifySeconds));
    const model = median(timings.map((t) => t.modelSeconds));
    const shopify = median(timings.map((t) => t.shopifySeconds));
    return [
      figure({
        name: `orchestration overhead per product, tiny profile (median of ${PRODUCTS.length}; 6 candidates, 1 published)`,
        value: overhead,
        unit: "s",
        baseline: "model time of the same products (segmentation, tuner, scoring, ESRGAN)",
        baselineValue: model,
        goal: "≤ 1 s",
        note:
          "wall time of the stage jobs from queued to finished, minus the model time each stage reports and " +
          `the wait for Shopify's media processing (median ${shopify.toFixed(2)} s, the local store's imitation)`,
      }),
    ];
  } finally {
    await producers.close();
    await stack.close();
  }
}

export default benchOrchestration;
