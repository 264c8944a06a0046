// Fault suite, infrastructure faults: the worker SIGKILLed in each stage, Redis restarted, crashed,
// down and emptied mid-flow (a private redis-server with the production persistence settings), the
// database locked, blob storage unwritable (a shop's folder, the fleet's class images) or corrupt (the
// fleet's augmentation backgrounds), the tuner subprocess crashing or hanging, the GPU host's work
// folder (removed when a request ends; its disk full while copying photos).
import { config } from "../../lib/config";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rename, rm, writeFile, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import sharp from "sharp";
import { Redis } from "ioredis";
import type { Job } from "bullmq";
import { afterAll, beforeAll, expect } from "vitest";
import type { ProcessHandle } from "../harness/stack";
import { waitFor } from "../pipeline/helpers";
import { faultGroup } from "./fault-case";
import {
  DEMO_SHOP,
  FAULT_LOCK_MS,
  approvableImage,
  expectTakenAgain,
  newProduct,
  publishedCopies,
  requestFor,
  runUntil,
  settleCandidate,
  startFaultStack,
  storeProduct,
  waitForEnd,
  waitForStage,
  type FaultStack,
  type StoreProduct,
} from "./helpers";
import { startRedisServer, type RedisServer } from "./redis-server";
import { reconcile } from "../../lib/pipeline/reconcile";
import { reviewCandidate } from "../../lib/pipeline/review";
import { overallProgress, stageJobId } from "../../lib/pipeline/stages";
import { deliverWebhook } from "../platform/helpers";
import { dataUrl, numericId, studioPost } from "./routes";
import type { PhotoCheckView } from "../../app/components/photo-check-types";
import type { PhotoCheckJob } from "../../lib/queue/jobs";
import { STALLED_OUT_REASON, stalledJobRecoveryMs, workerLockOptions } from "../../lib/queue/queues";

const PHOTO_CHECK_ROUTE = "routes/app.products.$id.photo-check";
import { ensureEsrganOnnx } from "../../worker/upscale/models";
import { backgroundSet } from "../../worker/stages/augment";
import type { DatasetReport } from "../../lib/dataset/dataset-check";
import { SEGMENTER_MANIFEST, segmenterDir } from "../../lib/images/segment";

let redis: RedisServer;
let fs: FaultStack;
let worker: ProcessHandle;
let teapot: StoreProduct;
let twelve: StoreProduct;

beforeAll(async () => {
  redis = await startRedisServer();
  fs = await startFaultStack({ REDIS_URL: redis.url });
  worker = await fs.stack.startWorker();
  teapot = await storeProduct(fs.stack, "Teapot");
  twelve = await storeProduct(fs.stack, "Fixture: twelve photos");
}, 180_000);
afterAll(async () => {
  await worker?.kill("SIGKILL");
  await fs?.close();
  await redis?.close();
});

const faultCase = faultGroup("infrastructure faults", () => fs);

async function restartWorker(env: Record<string, string> = {}) {
  await worker.kill("SIGKILL");
  worker = await fs.stack.startWorker(env);
}

/** Kills the worker at each of a job's first `kills` runs: whenever it is active again, one stall later. */
async function killAtEveryRun(what: string, job: () => Promise<Job | undefined>, kills: number) {
  for (let run = 0; run < kills; run++) {
    await waitFor(
      `${what}'s run ${run + 1}`,
      async () => {
        const found = await job();
        return found && (await found.getState()) === "active" && found.stalledCounter === run ? true : undefined;
      },
      60_000,
      20,
    );
    await restartWorker();
  }
}

/** Runs a request to its end and checks it succeeded with its one image. */
async function expectSucceeded(generationId: string) {
  const done = await waitForEnd(fs.stack, generationId, 400_000);
  expect([done.status, done.error]).toEqual(["succeeded", null]);
  expect(await fs.stack.db.candidate.count({ where: { generationId } })).toBe(1);
  return done;
}

async function expectPhotosPrepared(subjectId: string, count: number) {
  const photos = await fs.stack.db.trainingImage.findMany({ where: { subjectId } });
  expect(photos.filter((p) => !p.excluded && p.preparedBlobKey)).toHaveLength(Math.min(count, 7));
}

// The worker killed in each stage of a request: another worker picks the job up and finishes it.
faultCase("worker SIGKILLed while downloading photos (ingest)", { timeoutMs: 240_000 }, async (ctx) => {
  const product = await newProduct(fs.stack, "Kill: ingest", teapot.photoUrls.slice(0, 4));
  fs.stack.store.control.injectFault({ kind: "delay", ms: 1_500 }, { route: "cdn", times: 3 });
  const generation = await requestFor(fs, product, { allowLowDiversity: true });
  ctx.expectRequest(DEMO_SHOP, product.id, product.title);
  await waitForStage(fs.stack, generation.id, "ingest", 20);
  await restartWorker();
  await runUntil(fs, generation.id, "tune");
  await expectPhotosPrepared(generation.subjectId, 4);
});

for (const stage of ["prepare", "dataset-check"] as const) {
  faultCase(
    `worker SIGKILLed while ${stage === "prepare" ? "preparing photos" : "checking the photos"} (${stage})`,
    { timeoutMs: 240_000 },
    async (ctx) => {
      const product = await newProduct(fs.stack, `Kill: ${stage}`, twelve.photoUrls);
      const generation = await requestFor(fs, product, { allowLowDiversity: true });
      ctx.expectRequest(DEMO_SHOP, product.id, product.title);
      await waitForStage(fs.stack, generation.id, stage, 10);
      const killedAt = Date.now();
      await restartWorker();
      await expectTakenAgain(fs, generation.id, stage, killedAt);
      await runUntil(fs, generation.id, "tune");
      await expectPhotosPrepared(generation.subjectId, 12);
    },
  );
}

faultCase("worker SIGKILLed while tuning; the request completes", { timeoutMs: 600_000 }, async () => {
  const generation = await requestFor(fs, teapot);
  await waitForStage(fs.stack, generation.id, "tune");
  await waitFor(
    "tuning under way",
    async () => {
      const g = await fs.stack.db.generation.findUniqueOrThrow({ where: { id: generation.id } });
      if (g.status !== "running") throw new Error(`request ${g.status} (${g.error}) before the kill`);
      return g.stage === "tune" && g.progress > overallProgress("tune", 0.3) ? true : undefined;
    },
    300_000,
    50,
  );
  await restartWorker();
  await expectSucceeded(generation.id);
});

for (const stage of ["generate", "score"] as const) {
  faultCase(
    `worker SIGKILLed while ${stage === "generate" ? "generating" : "scoring"}; the request completes`,
    { timeoutMs: 600_000 },
    async () => {
      // The teapot's tuned weights are reused: this request starts generating at once.
      const generation = await requestFor(fs, teapot, { sceneIds: [stage === "generate" ? "g8" : "s17"] });
      await waitForStage(fs.stack, generation.id, stage, 20);
      await restartWorker();
      await expectSucceeded(generation.id);
    },
  );
}

faultCase("worker SIGKILLed while upscaling an approved image", { timeoutMs: 300_000 }, async () => {
  const { productId, candidateId } = await approvableImage(fs, "Kill: upscale");
  await fs.stack.db.candidate.update({ where: { id: candidateId }, data: { upscaledBlobKey: null } });
  await reviewCandidate(fs.stack.db, fs.producers, DEMO_SHOP, candidateId, { decision: "approve" });
  await waitFor(
    "upscaling",
    async () =>
      (await fs.stack.db.candidate.findUniqueOrThrow({ where: { id: candidateId } })).state === "upscaling"
        ? true
        : undefined,
    120_000,
    20,
  );
  await restartWorker();
  const candidate = await settleCandidate(fs, candidateId, 240_000);
  expect([candidate.state, candidate.error]).toEqual(["published", null]);
  expect(publishedCopies(fs, productId, candidateId)).toHaveLength(1);
});

faultCase(
  "the fine-tuned ESRGAN export (SCENEBOOTH_UPSCALE_MODEL) altered after fine-tuning: the image fails, nothing is published",
  { timeoutMs: 300_000 },
  async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "esrgan-ft-fault-"));
    try {
      // A stand-in for an esrgan-finetune export (a real ONNX of the same contract, not fine-tuned):
      // the converted medium model with the sidecar that command writes, then one byte changed.
      const converted = await ensureEsrganOnnx({ modelsDir: dir, tier: "medium", scale: 4 });
      const model = path.join(dir, "esrgan-medium-x4-ft.onnx");
      const bytes = await readFile(converted.path);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
      await writeFile(model, bytes);
      const sidecar = {
        kind: "esrgan-finetuned",
        tier: "medium",
        scale: 4,
        source: "fault case",
        onnxSha256: converted.sha256,
      };
      await writeFile(`${model}.json`, JSON.stringify(sidecar));
      await restartWorker({ SCENEBOOTH_UPSCALE_MODEL: model });
      const { productId, candidateId } = await approvableImage(fs, "Altered upscaler");
      await fs.stack.db.candidate.update({ where: { id: candidateId }, data: { upscaledBlobKey: null } });
      await reviewCandidate(fs.stack.db, fs.producers, DEMO_SHOP, candidateId, { decision: "approve" });
      const candidate = await settleCandidate(fs, candidateId, 240_000);
      expect([candidate.state, candidate.error]).toEqual([
        "failed",
        expect.stringContaining("Something went wrong while upscaling the image"),
      ]);
      expect(publishedCopies(fs, productId, candidateId)).toHaveLength(0);
    } finally {
      await restartWorker();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

// The segmentation model (busy backgrounds' mattes) cut short on disk, as an interrupted copy leaves
// it: the dataset check goes on with border mattes and says why; nothing is stopped that the border
// mattes alone would not stop (DreamBench's backpack, four photos in four places, goes on to tuning).
faultCase(
  "the segmentation model's file cut short: the dataset check goes on with border mattes and reports it",
  { timeoutMs: 240_000 },
  async (ctx) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "segmenter-fault-"));
    try {
      const installed = segmenterDir(config().modelsDir, "tiny");
      await copyFile(path.join(installed, SEGMENTER_MANIFEST), path.join(dir, SEGMENTER_MANIFEST));
      const graph = await readFile(path.join(installed, "segmenter.onnx"));
      await writeFile(path.join(dir, "segmenter.onnx"), graph.subarray(0, graph.length >> 1));
      await restartWorker({ SCENEBOOTH_SEGMENTER_DIR: dir });
      const backpack = await storeProduct(fs.stack, "Backpack");
      const product = await newProduct(
        fs.stack,
        "Segmenter cut short: busy backgrounds",
        backpack.photoUrls.slice(0, 4),
      );
      const generation = await requestFor(fs, product);
      ctx.expectRequest(DEMO_SHOP, product.id, product.title);
      const ended = await runUntil(fs, generation.id, "tune");
      expect([ended.status, ended.error]).toEqual(["cancelled", null]);
      const subject = await fs.stack.db.subject.findUniqueOrThrow({ where: { id: ended.subjectId } });
      const report = JSON.parse(subject.datasetReport!) as DatasetReport;
      expect(report.status).not.toBe("blocked");
      expect(report.photos.map((p) => p.backdrop?.matte)).toEqual(["border", "border", "border", "border"]);
      expect(report.issues.find((i) => i.code === "segmenter_unavailable")).toMatchObject({
        severity: "info",
        message: expect.stringMatching(
          /^The segmentation model could not be used \(segmentation model segmenter\.onnx could not be loaded \(checksum mismatch/,
        ),
      });
    } finally {
      await restartWorker();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

// The studio's photo check on busy backgrounds asks the worker's segmentation model (a photo-check
// job). The worker dies each time it checks (as a worker killed for memory on a huge photo would),
// once more than the stalls BullMQ allows: the job fails as stalled. The studio shows the border-only
// check with a note saying why, nothing else is touched, and a later visit asks again and gets the
// model's answer.
const PHOTO_CHECK_KILLS = workerLockOptions(FAULT_LOCK_MS).maxStalledCount + 1;
faultCase(
  "worker killed at every run of the studio's segmentation photo check: the border-only check with a note; a later poll gets the model's answer",
  { timeoutMs: 240_000 },
  async () => {
    const product = await newProduct(fs.stack, "Photo check: worker killed", teapot.photoUrls.slice(0, 4));
    const mediaIds = fs.stack.store.control
      .productMedia(DEMO_SHOP, product.id)
      .filter((m) => m.status === "READY")
      .map((m) => m.id);
    const photoCheck = async () => {
      const params = new URLSearchParams(mediaIds.map((id) => ["mediaId", id]));
      const res = await fs.stack.appFetch(
        dataUrl(`/app/products/${numericId(product.id)}/photo-check?${params}`, PHOTO_CHECK_ROUTE),
        { shop: DEMO_SHOP },
      );
      expect(res.status).toBe(200);
      const { check, error } = (await res.json()) as { check: PhotoCheckView | null; error: string | null };
      expect(error).toBeNull();
      return check!;
    };
    const ingest = fs.producers.queue("ingest");
    const checkJob = async () =>
      (await ingest.getJobs(["waiting", "prioritized", "active", "completed", "failed"])).find(
        (job) =>
          job?.name === "photo-check" && (job.data as PhotoCheckJob).photos.some((p) => mediaIds.includes(p.mediaId)),
      );

    await worker.kill("SIGKILL");
    expect((await photoCheck()).modelCheck).toBe("pending");
    // Slow downloads, so that the worker is killed while it checks (every run reads the 4 photos).
    fs.stack.store.control.injectFault({ kind: "delay", ms: 1_500 }, { route: "cdn", times: 4 * PHOTO_CHECK_KILLS });
    worker = await fs.stack.startWorker();
    await killAtEveryRun("the photo check", checkJob, PHOTO_CHECK_KILLS);
    await waitFor("the photo check to fail as stalled", async () =>
      (await (await checkJob())?.getState()) === "failed" ? true : undefined,
    );

    const failed = await photoCheck();
    expect(failed.modelCheck).toBe("failed");
    expect(failed.issues.find((i) => i.code === "segmenter_unavailable")?.message).toBe(
      "The segmentation model could not be used (the worker stopped while checking these photos), so busy backgrounds were judged without it.",
    );
    expect(await fs.stack.db.generation.count({ where: { subject: { productId: product.id } } })).toBe(0);

    // A later poll queues the check again; this time the worker answers.
    const done = await waitFor("the model's answer", async () => {
      const check = await photoCheck();
      return check.modelCheck === "pending" ? undefined : check;
    });
    // Says why when the second check failed too (seen once in a full run, not yet explained).
    expect(done.modelCheck, done.issues.find((i) => i.code === "segmenter_unavailable")?.message).toBe("done");
    expect(done.photos.map((p) => p.matte)).toEqual(done.photos.map(() => "border"));
    expect(done.issues.find((i) => i.code === "segmenter_unavailable")?.message).toBeUndefined();
  },
);

// A stage that kills its worker at every run (a photo that takes more memory than the worker has, say). Once it
// has stalled more often than BullMQ allows, the next worker fails the job without running it; the request ends
// then, with the stage's message, not at the reconciler's next pass minutes later.
faultCase(
  "worker killed at every run of a request's stage: the request ends failed at once, with the stage's message",
  { timeoutMs: 240_000 },
  async (ctx) => {
    const product = await newProduct(fs.stack, "Kill: every ingest", teapot.photoUrls.slice(0, 4));
    const kills = workerLockOptions(FAULT_LOCK_MS).maxStalledCount + 1;
    // Slow downloads, so that the worker is killed while it fetches the photos.
    fs.stack.store.control.injectFault({ kind: "delay", ms: 1_500 }, { route: "cdn", times: 4 * kills });
    try {
      const generation = await requestFor(fs, product, { allowLowDiversity: true });
      ctx.expectRequest(DEMO_SHOP, product.id, product.title);
      const ingest = () => fs.producers.queue("ingest").getJob(stageJobId(generation.id, "ingest"));
      await killAtEveryRun("ingest", ingest, kills);
      const ended = await waitForEnd(fs.stack, generation.id, 2 * stalledJobRecoveryMs(FAULT_LOCK_MS));
      expect([ended.status, ended.error]).toEqual([
        "failed",
        "Something went wrong on our side while fetching your photos. Please try again; if it keeps failing, contact support.",
      ]);
      expect((await ingest())?.failedReason).toBe(STALLED_OUT_REASON);
    } finally {
      fs.stack.store.control.clearFaults();
    }
  },
);

faultCase(
  "worker SIGKILLed while publishing, after the media was created",
  { short: true, timeoutMs: 240_000 },
  async () => {
    const { productId, candidateId } = await approvableImage(fs, "Kill: publish");
    fs.stack.store.control.setMediaProcessingStepMs(1_500);
    try {
      await reviewCandidate(fs.stack.db, fs.producers, DEMO_SHOP, candidateId, { decision: "approve" });
      await waitFor(
        "the media to be created",
        async () => (publishedCopies(fs, productId, candidateId).length > 0 ? true : undefined),
        120_000,
        20,
      );
      await restartWorker();
      const candidate = await settleCandidate(fs, candidateId, 120_000);
      expect([candidate.state, candidate.error]).toEqual(["published", null]);
      expect(publishedCopies(fs, productId, candidateId).map((m) => m.id)).toEqual([candidate.publishedMediaId]);
    } finally {
      fs.stack.store.control.setMediaProcessingStepMs(250);
    }
  },
);

// Redis: restarted (clean shutdown, the AOF flushed) and crashed (SIGKILL; appendfsync everysec).
faultCase("Redis restarted while the worker prepares photos", { short: true, timeoutMs: 240_000 }, async (ctx) => {
  const product = await newProduct(fs.stack, "Redis: restart", twelve.photoUrls);
  const generation = await requestFor(fs, product, { allowLowDiversity: true });
  ctx.expectRequest(DEMO_SHOP, product.id, product.title);
  await waitForStage(fs.stack, generation.id, "prepare", 10);
  await redis.restart("SIGTERM", 2_000);
  await runUntil(fs, generation.id, "tune");
  await expectPhotosPrepared(generation.subjectId, 12);
});

faultCase(
  "Redis crashed (SIGKILL) and restarted while generating; the request completes",
  { timeoutMs: 600_000 },
  async () => {
    const generation = await requestFor(fs, teapot, { sceneIds: ["g9"] });
    await waitForStage(fs.stack, generation.id, "generate", 20);
    await redis.restart("SIGKILL", 2_000);
    await expectSucceeded(generation.id);
  },
);

faultCase(
  "Redis down when the merchant starts a request → 503 at once with nothing written; once Redis is back it is queued",
  { timeoutMs: 240_000 },
  async (ctx) => {
    const product = await newProduct(fs.stack, "Redis: down at start", teapot.photoUrls.slice(0, 4));
    const start = () =>
      studioPost(fs.stack, product.id, {
        intent: "start",
        imagesPerScene: "1",
        sceneId: "g7",
        classNoun: "teapot",
        allowLowDiversity: "on",
      });
    await redis.stop("SIGTERM");
    let refused: Response;
    try {
      const asked = Date.now();
      refused = await start();
      console.log(`studio start with Redis down: HTTP ${refused.status} after ${Date.now() - asked} ms`);
    } finally {
      await redis.start();
    }
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: string }).error).toMatch(/busy.*Nothing was started/);
    const rows = { subject: { productId: product.id } };
    expect(await fs.stack.db.generation.count({ where: rows })).toBe(0);

    const answer = await start();
    expect(answer.status).toBe(200);
    ctx.expectRequest(DEMO_SHOP, product.id, product.title);
    const generation = await fs.stack.db.generation.findFirstOrThrow({ where: rows });
    await runUntil(fs, generation.id, "tune");
    await expectPhotosPrepared(generation.subjectId, 4);
  },
);

faultCase(
  "Redis down when products/create arrives → 503 at once, nothing recorded; Shopify's retry once Redis is back is handled",
  { timeoutMs: 120_000 },
  async () => {
    await fs.stack.db.shop.upsert({
      where: { shop: DEMO_SHOP },
      create: { shop: DEMO_SHOP, autoGenerate: true },
      update: { autoGenerate: true },
    });
    const product = await newProduct(fs.stack, "Redis: down at webhook", []);
    const body = JSON.stringify({
      admin_graphql_api_id: product.id,
      title: product.title,
      product_type: "teapot",
      status: "active",
      media: [],
    });
    const delivery = {
      path: "/webhooks/products",
      topic: "products/create",
      shop: DEMO_SHOP,
      body,
      eventId: randomUUID(),
    };
    try {
      await redis.stop("SIGTERM");
      let refused: Response;
      try {
        refused = await deliverWebhook(fs.stack, delivery);
      } finally {
        await redis.start();
      }
      expect(refused.status).toBe(503);
      const recorded = { shop: DEMO_SHOP, eventId: delivery.eventId };
      expect(await fs.stack.db.webhookEvent.count({ where: recorded })).toBe(0);
      expect((await deliverWebhook(fs.stack, delivery)).status).toBe(200);
      expect(await fs.stack.db.webhookEvent.count({ where: recorded })).toBe(1);
      // The worker reads the event: a product without photos waits for them (nothing started).
      await waitFor(
        "the product to wait for its photos",
        async () =>
          (await fs.stack.db.webhookEvent.count({
            where: { shop: DEMO_SHOP, eventId: `auto-waiting:${product.id}` },
          })) > 0
            ? true
            : undefined,
        60_000,
      );
    } finally {
      await fs.stack.db.shop.update({ where: { shop: DEMO_SHOP }, data: { autoGenerate: false } });
    }
  },
);

// Redis loses its jobs (FLUSHALL: a crash without persistence, an eviction): the reconciler rebuilds them.
async function flushRedis() {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    await client.flushall();
  } finally {
    client.disconnect();
  }
}

/** One pass with no grace period (after the worker's own pass at its start, if that holds the lock). */
/** One pass by the test, once no other pass (a worker's) holds the lock; a lock held for a minute fails the case. */
async function reconcilePass() {
  const lockKey = `${fs.stack.env.QUEUE_PREFIX}:reconcile`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const actions = await reconcile({ client: fs.stack.db, producers: fs.producers, lockKey, graceMs: 0 });
    if (actions) return actions;
    if (Date.now() > deadline)
      throw new Error(
        `the reconcile lock has been held for over 60 s by ${await fs.producers.connection.get(lockKey)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

faultCase(
  "Redis loses every job while the worker prepares photos → the reconciler re-adds the flow once; a second pass adds nothing",
  { timeoutMs: 240_000 },
  async (ctx) => {
    const product = await newProduct(fs.stack, "Redis: flushed", twelve.photoUrls);
    const generation = await requestFor(fs, product, { allowLowDiversity: true });
    ctx.expectRequest(DEMO_SHOP, product.id, product.title);
    await waitForStage(fs.stack, generation.id, "prepare", 10);
    expect(await reconcilePass(), "a pass while every job is in place").toEqual([]);
    await flushRedis();
    // The worker's job vanished under it; a fresh worker stands in for the one whose lock is gone.
    await restartWorker();
    expect(await reconcilePass()).toEqual([
      { kind: "request", shop: DEMO_SHOP, id: generation.id, action: "re-added" },
    ]);
    expect(await reconcilePass()).toEqual([]);
    await runUntil(fs, generation.id, "tune");
    await expectPhotosPrepared(generation.subjectId, 12);
  },
);

faultCase(
  "Redis loses an approved image's chain before a worker takes it → the reconciler re-adds it; published once",
  { timeoutMs: 180_000 },
  async () => {
    const { productId, candidateId } = await approvableImage(fs, "Redis: flushed chain");
    await worker.kill("SIGKILL");
    try {
      await reviewCandidate(fs.stack.db, fs.producers, DEMO_SHOP, candidateId, { decision: "approve" });
      await flushRedis();
      expect(await reconcilePass()).toEqual([{ kind: "image", shop: DEMO_SHOP, id: candidateId, action: "re-added" }]);
      expect(await reconcilePass()).toEqual([]);
    } finally {
      worker = await fs.stack.startWorker();
    }
    const candidate = await settleCandidate(fs, candidateId, 120_000);
    expect([candidate.state, candidate.error]).toEqual(["published", null]);
    expect(publishedCopies(fs, productId, candidateId)).toHaveLength(1);
  },
);

// The database: another connection holds SQLite's exclusive lock for a few seconds.
async function lockDatabase(ms: number) {
  const file = fileURLToPath(fs.stack.env.DATABASE_URL!.replace(/^file:/, "file://"));
  const db = new Database(file);
  db.exec("BEGIN EXCLUSIVE");
  await new Promise((r) => setTimeout(r, ms));
  db.exec("COMMIT");
  db.close();
}

faultCase("database locked for 6 s while the worker prepares photos", { timeoutMs: 240_000 }, async (ctx) => {
  const product = await newProduct(fs.stack, "Database: locked", twelve.photoUrls);
  const generation = await requestFor(fs, product, { allowLowDiversity: true });
  ctx.expectRequest(DEMO_SHOP, product.id, product.title);
  await waitForStage(fs.stack, generation.id, "prepare", 10);
  await lockDatabase(6_000);
  await runUntil(fs, generation.id, "tune");
  await expectPhotosPrepared(generation.subjectId, 12);
});

faultCase(
  "database locked for 6 s while the merchant opens the studio and starts a request",
  { timeoutMs: 120_000 },
  async (ctx) => {
    const product = await newProduct(fs.stack, "Database: locked at start", teapot.photoUrls.slice(0, 4));
    const locked = lockDatabase(6_000);
    await new Promise((r) => setTimeout(r, 200));
    const answer = await studioPost(fs.stack, product.id, {
      intent: "start",
      imagesPerScene: "1",
      sceneId: "g7",
      classNoun: "teapot",
      allowLowDiversity: "on",
    });
    await locked;
    const body = await answer.text();
    expect(answer.status, body.slice(0, 300)).toBe(200);
    ctx.expectRequest(DEMO_SHOP, product.id, product.title);
    const generation = await fs.stack.db.generation.findFirstOrThrow({ where: { subject: { productId: product.id } } });
    await runUntil(fs, generation.id, "tune");
  },
);

// Blob storage: the shop's folder replaced by a file for a few seconds (ENOTDIR on every write and
// read under it; the processes run as root, so taking permissions away would not stop them).
async function storageUnwritable(ms: number) {
  const dir = path.join(fs.stack.env.STORAGE_DIR!, "shops", DEMO_SHOP);
  const aside = `${dir}.aside`;
  await rename(dir, aside);
  await writeFile(dir, "not a folder");
  await new Promise((r) => setTimeout(r, ms));
  await rm(dir);
  await rename(aside, dir);
}

faultCase("blob storage unwritable for 4 s while downloading photos", { timeoutMs: 240_000 }, async (ctx) => {
  const product = await newProduct(fs.stack, "Storage: unwritable", teapot.photoUrls.slice(0, 4));
  fs.stack.store.control.injectFault({ kind: "delay", ms: 1_000 }, { route: "cdn", times: 2 });
  const generation = await requestFor(fs, product, { allowLowDiversity: true });
  ctx.expectRequest(DEMO_SHOP, product.id, product.title);
  await waitForStage(fs.stack, generation.id, "ingest", 10);
  await storageUnwritable(4_000);
  const ended = await runUntil(fs, generation.id, "tune");
  expect(ended.status).toBe("cancelled");
  await expectPhotosPrepared(generation.subjectId, 4);
});

faultCase("blob storage unwritable for 4 s while upscaling an approved image", { timeoutMs: 300_000 }, async () => {
  const { productId, candidateId } = await approvableImage(fs, "Storage: unwritable at upscale");
  await fs.stack.db.candidate.update({ where: { id: candidateId }, data: { upscaledBlobKey: null } });
  await reviewCandidate(fs.stack.db, fs.producers, DEMO_SHOP, candidateId, { decision: "approve" });
  await waitFor(
    "upscaling",
    async () =>
      (await fs.stack.db.candidate.findUniqueOrThrow({ where: { id: candidateId } })).state === "upscaling"
        ? true
        : undefined,
    120_000,
    20,
  );
  await storageUnwritable(4_000);
  const candidate = await settleCandidate(fs, candidateId, 240_000);
  expect([candidate.state, candidate.error]).toEqual(["published", null]);
  expect(publishedCopies(fs, productId, candidateId)).toHaveLength(1);
});

// The fleet's class images (blob storage's global/ family) unreachable: a cache, so the product trains anyway.
faultCase("class-image store unwritable while tuning; the product trains", { timeoutMs: 300_000 }, async (ctx) => {
  const global = path.join(fs.stack.env.STORAGE_DIR!, "global");
  await rm(global, { recursive: true, force: true });
  await writeFile(global, "not a folder");
  try {
    const product = await newProduct(fs.stack, "Class images: unwritable", teapot.photoUrls.slice(0, 4));
    // A class no other case trains: this worker has no class images of it yet and must make them.
    const generation = await requestFor(fs, product, { allowLowDiversity: true, classNoun: "kettle" });
    ctx.expectRequest(DEMO_SHOP, product.id, product.title);
    const ended = await runUntil(fs, generation.id, "generate");
    expect(ended.status).toBe("cancelled");
    const runs = await fs.stack.db.tuningRun.findMany({ where: { subjectId: ended.subjectId } });
    expect(runs.map((r) => r.status)).toEqual(["succeeded"]);
  } finally {
    await rm(global, { force: true });
  }
});

// The tuner subprocess: a fake package first on PYTHONPATH fails once, then hands over to the real tuner.
const TUNER_FAILS_ONCE = fileURLToPath(new URL("./fixtures/tuner-fails-once", import.meta.url));

for (const mode of ["crash", "hang"] as const) {
  faultCase(
    `tuner subprocess ${mode === "crash" ? "crashes" : "hangs (killed at TUNER_TIMEOUT_MS)"} once while tuning; the request completes`,
    { timeoutMs: 600_000 },
    async () => {
      const markers = await mkdtemp(path.join(os.tmpdir(), "tuner-fails-once-"));
      try {
        await restartWorker({
          PYTHONPATH: [TUNER_FAILS_ONCE, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
          FAULT_TUNER: mode,
          FAULT_TUNER_COMMAND: "caption",
          FAULT_TUNER_MARKER: path.join(markers, "failed"),
          // Longer than any real tuner command on the tiny profile, even on a busy 2-core machine.
          ...(mode === "hang" ? { TUNER_TIMEOUT_MS: "40000" } : {}),
        });
        const product = await newProduct(fs.stack, `Tuner: ${mode}`, teapot.photoUrls.slice(0, 4));
        const generation = await requestFor(fs, product, { allowLowDiversity: true });
        const done = await expectSucceeded(generation.id);
        const runs = await fs.stack.db.tuningRun.findMany({ where: { subjectId: done.subjectId } });
        expect(runs.filter((r) => r.status === "succeeded")).toHaveLength(1);
      } finally {
        await restartWorker();
        await rm(markers, { recursive: true, force: true });
      }
    },
  );
}

// The GPU host's work folder (the stack's SCENEBOOTH_WORK_DIR; its class-image cache stays warm between cases).
const workDir = () => fs.stack.env.SCENEBOOTH_WORK_DIR!;

/** The request succeeded with its one image and left no work folder behind. */
async function expectSucceededWithoutWorkFolder(generationId: string, subjectId: string) {
  await expectSucceeded(generationId);
  expect(existsSync(path.join(workDir(), DEMO_SHOP, subjectId)), "the request's work folder").toBe(false);
}

faultCase(
  "a request's work folder is removed when it ends; the product's next request re-materialises it from storage",
  { timeoutMs: 600_000 },
  async () => {
    const generation = await requestFor(fs, teapot, { sceneIds: ["g3"] });
    const folder = path.join(workDir(), DEMO_SHOP, generation.subjectId);
    await waitFor(
      "a GPU stage to write the request's work folder",
      async () => {
        const g = await fs.stack.db.generation.findUniqueOrThrow({ where: { id: generation.id } });
        if (!["queued", "running"].includes(g.status)) throw new Error(`request ${g.status} (${g.error}) first`);
        return existsSync(folder) ? true : undefined;
      },
      300_000,
      20,
    );
    await expectSucceededWithoutWorkFolder(generation.id, generation.subjectId);
    const classImages = existsSync(path.join(workDir(), "class-images"));

    // Its tuned weights are reused: generate restores them from blob storage.
    const again = await requestFor(fs, teapot, { sceneIds: ["g4"] });
    await expectSucceededWithoutWorkFolder(again.id, again.subjectId);
    const runs = await fs.stack.db.tuningRun.findMany({ where: { subjectId: again.subjectId, status: "succeeded" } });
    expect(runs).toHaveLength(1);
    expect(existsSync(path.join(workDir(), "class-images")), "the class-image cache (not shop data)").toBe(classImages);
  },
);

// A fake full disk: the worker's file writes into the photos folder fail once with ENOSPC (a preload
// module replaces fs/promises' writeFile; nothing is filled for real).
const DISK_FULL = fileURLToPath(new URL("./fixtures/disk-full.mjs", import.meta.url));

faultCase(
  "disk full while copying the photos into the work folder: a disk-full stage error, retried; the request completes",
  { timeoutMs: 600_000 },
  async (ctx) => {
    try {
      await restartWorker({
        NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${DISK_FULL}`].filter(Boolean).join(" "),
        FAULT_DISK_FULL_PATTERN: `/${DEMO_SHOP.replace(/\./g, "\\.")}/[^/]+/[0-9a-f]{16}/photos/`,
      });
      const product = await newProduct(fs.stack, "Disk full", teapot.photoUrls.slice(0, 4));
      const generation = await requestFor(fs, product, { allowLowDiversity: true });
      ctx.expectRequest(DEMO_SHOP, product.id, product.title);
      await expectSucceededWithoutWorkFolder(generation.id, generation.subjectId);
      expect(worker.output()).toMatch(/\[gpu\] tune \S+ failed: disk full on the worker: ENOSPC/);
    } finally {
      await restartWorker();
    }
  },
);

// Background augmentation's backgrounds (blob storage's global/backgrounds/, a cache like the class
// images) stored corrupt, as a copy cut short would leave them: drawn again, and the catalog product
// (four packshots on one white backdrop, no override) trains on its composites.
faultCase(
  "augmentation backgrounds corrupt in the fleet's store: drawn again; a packshot product trains without an override",
  { timeoutMs: 400_000 },
  async (ctx) => {
    const set = backgroundSet(config(), workDir());
    await rm(path.join(workDir(), "backgrounds"), { recursive: true, force: true }); // this host's copies
    const stored = path.join(fs.stack.env.STORAGE_DIR!, "global", "backgrounds", ...set.set.split("/"));
    await mkdir(stored, { recursive: true });
    for (const file of set.files) await writeFile(path.join(stored, file), "\x89PNG\r\n\x1a\n cut short");

    const title = "Catalog carton packshots";
    const { id } = fs.stack.store.control.createProduct(DEMO_SHOP, { title, productType: "box" });
    for (const name of ["carton-0", "carton-1", "carton-2", "carton-3"]) {
      const bytes = await readFile(fileURLToPath(new URL(`../fixtures/packshots/${name}.png`, import.meta.url)));
      await fs.stack.store.control.addImageFile(DEMO_SHOP, id, {
        filename: `${name}.png`,
        bytes,
        processing: "checked",
      });
    }
    const product = await storeProduct(fs.stack, title);
    const generation = await requestFor(fs, product, { classNoun: "box" });
    ctx.expectRequest(DEMO_SHOP, product.id, product.title);
    const ended = await runUntil(fs, generation.id, "generate");
    expect([ended.status, ended.error]).toEqual(["cancelled", null]);
    const runs = await fs.stack.db.tuningRun.findMany({ where: { subjectId: ended.subjectId } });
    expect(runs.map((r) => r.status)).toEqual(["succeeded"]);
    const subject = await fs.stack.db.subject.findUniqueOrThrow({ where: { id: ended.subjectId } });
    const report = JSON.parse(subject.datasetReport!) as DatasetReport;
    expect(report.augmentation).toMatchObject({ augmented: true });
    expect(report.issues.map((i) => i.code)).toContain("background_augmented");
    for (const file of set.files) {
      const { info } = await sharp(path.join(stored, file)).raw().toBuffer({ resolveWithObject: true });
      expect(info.width, `${file} drawn again and stored`).toBeGreaterThan(0);
    }
  },
);
