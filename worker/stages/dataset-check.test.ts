// The dataset check stage on a catalog product (four packshots of one carton on white, and a tall
// product on a 2:3 frame): the poses are not duplicates, the crop and its padding are recorded in
// the report, and the one white backdrop is augmented rather than stopped. A one-background set the
// product cannot be cut out of (DreamBench's berry_bowl, a white bowl on a white cloth) is stopped,
// and a bulk or automatic request follows the shop's setting for it.
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { mkdtemp, rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatasetReport } from "../../lib/dataset/dataset-check";
import { createPrismaClient, type PrismaClient } from "../../lib/db";
import { preparePhoto } from "../../lib/images/prepare-photo";
import { dreambenchDir } from "../../lib/shared-data";
import { blobKey, LocalBlobStore } from "../../lib/storage";
import { migratedTestDatabase } from "../../tests/harness/database";
import { stageContext } from "../../tests/harness/stage-context";
import type { StageContext } from "./context";
import { datasetCheckStage } from "./dataset-check";
import { MerchantActionError } from "./errors";

const SHOP = "catalog-shop.myshopify.com";
const PACKSHOTS = ["carton-0", "carton-1", "carton-2", "carton-3", "bottle-portrait"];
const BERRY_BOWL = ["00", "01", "02", "03", "04", "05"];
let client: PrismaClient;
let drop: () => Promise<void>;
let root: string;
let store: LocalBlobStore;
const prepared = new Map<string, Awaited<ReturnType<typeof preparePhoto>>>();

beforeAll(async () => {
  const database = await migratedTestDatabase("sqlite");
  drop = database.drop;
  client = createPrismaClient(database.url);
  root = await mkdtemp(path.join(os.tmpdir(), "dataset-check-stage-"));
  store = new LocalBlobStore({ rootDir: root, publicBaseUrl: "http://app.test", signingKey: "k" });
  for (const name of PACKSHOTS) {
    const file = path.join(import.meta.dirname, "../../tests/fixtures/packshots", `${name}.png`);
    prepared.set(name, await preparePhoto(await readFile(file)));
  }
  for (const name of BERRY_BOWL) {
    prepared.set(name, await preparePhoto(await readFile(path.join(dreambenchDir(), "berry_bowl", `${name}.jpg`))));
  }
});
afterAll(async () => {
  await client?.$disconnect();
  await drop?.();
  if (root) await rm(root, { recursive: true, force: true });
});

/** A product with the packshots prepared as the prepare stage stores them, and a request from `source`. */
async function catalogRequest(
  source: "interactive" | "bulk" | "auto",
  options: object,
  photos: string[] = PACKSHOTS,
): Promise<StageContext> {
  const subject = await client.subject.create({
    data: {
      shop: SHOP,
      productId: `gid://shopify/Product/${source}-${Date.now()}-${Math.random()}`,
      productTitle: "Carton",
      classNoun: "box",
      identifierToken: "<mybox>",
    },
  });
  for (const name of photos) {
    const photo = prepared.get(name)!;
    const key = blobKey(SHOP, "subjects", subject.id, "prepared", `${name}.png`);
    await store.put(key, photo.png, { contentType: "image/png" });
    await client.trainingImage.create({
      data: {
        id: `${subject.id}-${name}`,
        shop: SHOP,
        subjectId: subject.id,
        sourceMediaId: `gid://shopify/MediaImage/${name}`,
        originalBlobKey: key,
        preparedBlobKey: key,
        width: photo.source.width,
        height: photo.source.height,
        cropX: photo.crop.left,
        cropY: photo.crop.top,
        cropWidth: photo.crop.size,
        cropHeight: photo.crop.size,
      },
    });
  }
  const generation = await client.generation.create({
    data: {
      shop: SHOP,
      subjectId: subject.id,
      scenes: "[]",
      imagesPerScene: 1,
      source,
      options: JSON.stringify(options),
    },
  });
  return stageContext(client, store, SHOP, generation.id);
}

async function reportOf(ctx: StageContext): Promise<DatasetReport> {
  const generation = await client.generation.findUniqueOrThrow({ where: { id: ctx.generationId } });
  const subject = await client.subject.findUniqueOrThrow({ where: { id: generation.subjectId } });
  return JSON.parse(subject.datasetReport!) as DatasetReport;
}

describe("dataset check stage on a catalog of packshots", () => {
  it("lets a bulk request on one white backdrop go on, augmented, and records the crops", async () => {
    const ctx = await catalogRequest("bulk", {});
    const output = await datasetCheckStage.run(ctx);
    expect(output).toEqual({
      status: "warning",
      usableCount: PACKSHOTS.length,
      overridden: false,
      augmented: true,
      modelSeconds: expect.any(Number),
    });
    const report = await reportOf(ctx);
    expect(report.backgroundDiversity.low).toBe(true);
    expect(report.augmentation).toEqual({ augmented: true, compositesPerPhoto: 2 });
    expect(report.issues.map((i) => [i.code, i.severity])).toEqual([
      ["background_augmented", "info"],
      ["low_resolution", "warning"], // packshots smaller than 768 px
    ]);
    const portrait = report.photos.find((p) => p.id.endsWith("bottle-portrait"))!;
    const { crop, padding } = prepared.get("bottle-portrait")!;
    expect(portrait.crop).toEqual({ box: crop, padding });
    expect(padding.left + padding.right).toBeGreaterThan(0);
    expect(portrait.backdrop).toMatchObject({ plain: true });
  });

  it("stops a bulk request on one background it cannot cut the product out of, pointing to Settings", async () => {
    const ctx = await catalogRequest("bulk", {}, BERRY_BOWL);
    const error = await datasetCheckStage.run(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MerchantActionError);
    expect((error as MerchantActionError).message).toMatch(/share nearly the same background/);
    expect((error as MerchantActionError).message).toMatch(/in Settings/);
    expect((error as MerchantActionError).message).not.toMatch(/or continue anyway\.$/);
    const report = await reportOf(ctx);
    expect(report.augmentation?.augmented).toBe(false);
    expect(report.issues.find((i) => i.code === "augmentation_unavailable")?.photoIds).toHaveLength(BERRY_BOWL.length);
    // The segmentation model (the tiny profile's random stand-in) was asked and ran; its mattes are not trusted.
    expect(report.issues.map((i) => i.code)).not.toContain("segmenter_unavailable");
    expect(report.photos.map((p) => p.backdrop?.matte)).toEqual(BERRY_BOWL.map(() => "border"));
  });

  it("lets a bulk or automatic request go on when the shop allows one-background sets", async () => {
    for (const source of ["bulk", "auto"] as const) {
      const output = await datasetCheckStage.run(await catalogRequest(source, { allowLowDiversity: true }, BERRY_BOWL));
      expect(output, source).toEqual({
        status: "blocked",
        overridden: true,
        usableCount: BERRY_BOWL.length,
        augmented: false,
        // The berry bowl's border mattes are not trusted: the segmentation model was asked, on the clock.
        modelSeconds: expect.any(Number),
      });
      expect(output.modelSeconds, source).toBeGreaterThan(0);
    }
  });

  it("keeps the studio's own advice for an interactive request", async () => {
    const error = await datasetCheckStage
      .run(await catalogRequest("interactive", {}, BERRY_BOWL))
      .catch((e: unknown) => e);
    expect((error as MerchantActionError).message).toMatch(/or continue anyway\.$/);
  });
});
