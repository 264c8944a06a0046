// The studio's photo check and the worker agree on busy backgrounds: the app's border-only check
// asks the worker (one photo-check job however often the studio polls), and once the worker's
// segmentation model has answered, the studio shows exactly what the request's dataset-check stage
// will decide on the same photos. The model is a stand-in ONNX graph that finds a confident disc.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Job, Worker } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { previewPhotoCheck, reportView } from "../../app/services/photo-check.server";
import type { PhotoToCheck } from "../../lib/dataset/check-photos";
import type { DatasetReport } from "../../lib/dataset/dataset-check";
import { preparePhoto } from "../../lib/images/prepare-photo";
import { downloadImage } from "../../lib/shopify-admin";
import { createRedisConnection } from "../../lib/queue/connection";
import { createTypedWorker } from "../../lib/queue/queues";
import { blobKey, LocalBlobStore } from "../../lib/storage";
import { busyPhoto } from "../../tests/harness/busy-photo";
import { discSegmenterDir } from "../../tests/harness/disc-segmenter";
import { photoServer, type PhotoServer } from "../../tests/harness/photo-server";
import { dbAndQueues, TEST_REDIS_URL, type DbAndQueues } from "../../tests/harness/queue-fixture";
import { stageContext } from "../../tests/harness/stage-context";
import { waitFor } from "../../tests/pipeline/helpers";
import { datasetCheckStage } from "./dataset-check";
import { photoCheckProcessor } from "./photo-check";

const SHOP = "busy-shop.myshopify.com";
let fx: DbAndQueues;
let server: PhotoServer;
let root: string;
let segmenterDir: string;
let worker: Worker | undefined;

beforeAll(async () => {
  // The worker's segmenter (worker/models.ts) opens the folder config() names, on first use.
  segmenterDir = await discSegmenterDir();
  process.env.SCENEBOOTH_SEGMENTER_DIR = segmenterDir;
  fx = await dbAndQueues();
  server = await photoServer();
  root = await mkdtemp(path.join(os.tmpdir(), "photo-check-"));
});
afterEach(async () => {
  await worker?.close();
  worker = undefined;
});
afterAll(async () => {
  await fx?.close();
  await server?.close();
  for (const dir of [root, segmenterDir]) if (dir) await rm(dir, { recursive: true, force: true });
});

/** Three photos on one kind of busy background (noise), the product in the middle. */
async function busySet(name: string): Promise<PhotoToCheck[]> {
  return Promise.all(
    [0, 1, 2].map(async (i) => ({
      mediaId: `gid://shopify/MediaImage/${name}-${i}`,
      label: `#${i + 1}`,
      url: server.add(`${name}-${i}`, await busyPhoto(900, 900, { left: 330, top: 330, size: 240 }, 31 + i)),
    })),
  );
}

function startWorker(processor: (job: Job) => Promise<unknown>) {
  const connection = createRedisConnection(TEST_REDIS_URL);
  worker = createTypedWorker("ingest", { "photo-check": processor }, { connection, prefix: fx.prefix });
  worker.on("closed", () => connection.disconnect());
}

/** The photo-check jobs of these photos in the ingest queue. */
const ingestJobs = async (photos: PhotoToCheck[]) =>
  (await fx.producers.queue("ingest").getJobs()).filter(
    (job) => (job.data as { photos?: PhotoToCheck[] }).photos?.[0]?.mediaId === photos[0]!.mediaId,
  ).length;
const preview = (photos: PhotoToCheck[]) => previewPhotoCheck(SHOP, photos, () => fx.producers);

/** The request's dataset-check stage on the same photos, prepared as the prepare stage stores them. */
async function stageReport(photos: PhotoToCheck[]): Promise<DatasetReport> {
  const store = new LocalBlobStore({ rootDir: root, publicBaseUrl: "http://app.test", signingKey: "k" });
  const subject = await fx.client.subject.create({
    data: {
      shop: SHOP,
      productId: `gid://shopify/Product/${Date.now()}`,
      productTitle: "Busy",
      classNoun: "box",
      identifierToken: "<mybox>",
    },
  });
  for (const [i, photo] of photos.entries()) {
    const prepared = await preparePhoto((await downloadImage(photo.url)).bytes);
    const key = blobKey(SHOP, "subjects", subject.id, "prepared", `${i}.png`);
    await store.put(key, prepared.png, { contentType: "image/png" });
    await fx.client.trainingImage.create({
      data: {
        id: photo.mediaId,
        shop: SHOP,
        subjectId: subject.id,
        sourceMediaId: photo.mediaId,
        originalBlobKey: key,
        preparedBlobKey: key,
        width: prepared.source.width,
        height: prepared.source.height,
        cropX: prepared.crop.left,
        cropY: prepared.crop.top,
        cropWidth: prepared.crop.size,
        cropHeight: prepared.crop.size,
        createdAt: new Date(Date.now() + i),
      },
    });
  }
  const generation = await fx.client.generation.create({
    data: { shop: SHOP, subjectId: subject.id, scenes: "[]", imagesPerScene: 1, source: "interactive", options: "{}" },
  });
  await datasetCheckStage.run(stageContext(fx.client, store, SHOP, generation.id));
  const saved = await fx.client.subject.findUniqueOrThrow({ where: { id: subject.id } });
  return JSON.parse(saved.datasetReport!) as DatasetReport;
}

describe("the studio's photo check on busy backgrounds", () => {
  it("is pending with one job however often it is asked, then shows what the request's dataset check decides", async () => {
    const photos = await busySet("agree");
    const first = await preview(photos);
    expect(first.modelCheck).toBe("pending");
    // Meanwhile the border-only check: one background, not cut out; exact mode not refused yet.
    expect(first.status).toBe("blocked");
    expect(first.photos.map((p) => [p.cutOut, p.matte])).toEqual(photos.map(() => [false, "border"]));
    expect((await preview(photos)).modelCheck).toBe("pending");
    expect(await ingestJobs(photos)).toBe(1);

    startWorker(photoCheckProcessor());
    const done = await waitFor("the worker's answer", async () => {
      const view = await preview(photos);
      return view.modelCheck === "pending" ? undefined : view;
    });
    expect(done.modelCheck).toBe("done");
    expect(done.photos.map((p) => [p.use, p.cutOut, p.matte])).toEqual(photos.map(() => [true, true, "model"]));
    expect(done.issues.map((i) => i.code)).toContain("background_augmented");
    expect(done.status).not.toBe("blocked");
    expect(await ingestJobs(photos)).toBe(1);

    const worker = await stageReport(photos);
    const ids = new Map(photos.map((p) => [p.mediaId, p.mediaId]));
    const labels = new Map(photos.map((p) => [p.mediaId, p.label]));
    expect(done).toEqual(reportView(worker, ids, labels, "preview", "done"));
  });

  it("shows the border-only check with a note when the worker's check fails, and asks again on a later poll", async () => {
    const photos = await busySet("fails");
    expect((await preview(photos)).modelCheck).toBe("pending");
    startWorker(async () => {
      throw new Error("out of memory while decoding a photo");
    });
    const failed = await waitFor("the failure", async () => {
      const view = await preview(photos);
      return view.modelCheck === "pending" ? undefined : view;
    });
    expect(failed.modelCheck).toBe("failed");
    expect(failed.status).toBe("blocked");
    expect(failed.issues.find((i) => i.code === "segmenter_unavailable")).toEqual({
      code: "segmenter_unavailable",
      severity: "info",
      message:
        "The segmentation model could not be used (the check failed: out of memory while decoding a photo), so busy backgrounds were judged without it.",
      mediaIds: photos.map((p) => p.mediaId).sort(),
    });
    await worker!.close();
    worker = undefined;
    // The failed job was let go: the next poll queues the check again.
    expect((await preview(photos)).modelCheck).toBe("pending");
    expect(await ingestJobs(photos)).toBe(1);
  });
});
