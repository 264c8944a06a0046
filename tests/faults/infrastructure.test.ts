// Fault suite, infrastructure faults: the worker SIGKILLed in each stage, Redis restarted and
// crashed mid-flow (a private redis-server with the production persistence settings), the database
// locked, blob storage unwritable, the tuner subprocess crashing or hanging.
import { readFile, rename, rm, writeFile, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect } from "vitest";
import type { ProcessHandle } from "../harness/stack";
import { waitFor } from "../pipeline/helpers";
import { faultGroup } from "./fault-case";
import {
  DEMO_SHOP,
  approvableImage,
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
import { reviewCandidate } from "../../lib/pipeline/review";
import { overallProgress } from "../../lib/pipeline/stages";
import { studioPost } from "./routes";
import { ensureEsrganOnnx } from "../../worker/upscale/models";

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
      await restartWorker();
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
  "Redis down when the merchant starts a request; it is queued once Redis is back",
  { timeoutMs: 240_000 },
  async (ctx) => {
    const product = await newProduct(fs.stack, "Redis: down at start", teapot.photoUrls.slice(0, 4));
    await redis.stop("SIGTERM");
    let answer: Response | Error;
    try {
      const pending = studioPost(fs.stack, product.id, {
        intent: "start",
        imagesPerScene: "1",
        sceneId: "g7",
        classNoun: "teapot",
        allowLowDiversity: "on",
      }).then(
        (r) => r,
        (e: Error) => e,
      );
      await new Promise((r) => setTimeout(r, 3_000));
      await redis.start();
      answer = await pending;
    } finally {
      await redis.start().catch(() => undefined);
    }
    expect(answer instanceof Response ? answer.status : answer.message).toBe(200);
    ctx.expectRequest(DEMO_SHOP, product.id, product.title);
    const generation = await fs.stack.db.generation.findFirstOrThrow({ where: { subject: { productId: product.id } } });
    await runUntil(fs, generation.id, "tune");
    await expectPhotosPrepared(generation.subjectId, 4);
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
