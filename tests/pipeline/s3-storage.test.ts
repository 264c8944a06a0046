// The same stack and pipeline with STORAGE_DRIVER=s3: the worker and the app keep every blob in an
// S3-compatible bucket (moto's server), the studio shows candidates through presigned URLs, and
// app/uninstalled empties the shop's part of the bucket. Nothing lands in the local blob folder.
import { readdir } from "node:fs/promises";
import { ListObjectsV2Command, GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestScenes } from "../../lib/pipeline/request-scenes";
import { reviewCandidate } from "../../lib/pipeline/review";
import type { Producers } from "../../lib/queue/producer";
import { ProductsPageDocument } from "../../lib/shopify-admin";
import { shopPrefix } from "../../lib/storage";
import { startMotoServer, type MotoServer } from "../harness/moto-server";
import { DEMO_SHOP, startTestStack, type TestStack } from "../harness/stack";
import { stackProducers, waitFor, waitForGeneration } from "./helpers";

const BUCKET = "scenebooth-e2e";
const PREFIX = "stack/";

describe("the pipeline on S3 storage", () => {
  let moto: MotoServer;
  let stack: TestStack;
  let producers: Producers;

  beforeAll(async () => {
    moto = await startMotoServer();
    await moto.createBucket(BUCKET);
    stack = await startTestStack({ env: moto.env(BUCKET, PREFIX) });
    await stack.installShop();
    producers = stackProducers(stack);
    await stack.startWorker();
  }, 120_000);
  afterAll(async () => {
    await producers?.close();
    await stack?.close();
    await moto?.stop();
  });

  /** Blob keys of the shop in the bucket (the store's prefix taken off). */
  async function bucketKeys(): Promise<string[]> {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await moto
        .client()
        .send(
          new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}${shopPrefix(DEMO_SHOP)}`, ContinuationToken }),
        );
      keys.push(...(page.Contents ?? []).map((o) => o.Key!.slice(PREFIX.length)));
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken);
    return keys;
  }

  async function filesUnder(dir: string): Promise<string[]> {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  }

  it("keeps photos, weights, candidates and the published image in the bucket", async () => {
    const admin = await stack.adminClient();
    const { products } = await admin.request(ProductsPageDocument, {
      first: 5,
      query: "title:backpack",
      mediaFirst: 1,
    });
    const backpack = products.nodes.find((p) => p.title.toLowerCase().includes("backpack"))!;
    const { generation } = await requestScenes(stack.db, producers, {
      shop: DEMO_SHOP,
      product: { id: backpack.id, title: backpack.title, productType: backpack.productType },
      sceneIds: ["g7"],
      imagesPerScene: 1,
      source: "interactive",
    });
    const done = await waitForGeneration(stack.db, generation.id, ["succeeded", "failed", "cancelled"]);
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");

    const keys = new Set(await bucketKeys());
    const photos = await stack.db.trainingImage.findMany({
      where: { subject: { shop: DEMO_SHOP, productId: backpack.id } },
    });
    expect(photos.length).toBeGreaterThan(0);
    for (const photo of photos) {
      expect(keys).toContain(photo.originalBlobKey);
      if (!photo.excluded) expect(keys).toContain(photo.preparedBlobKey);
    }
    const run = await stack.db.tuningRun.findUniqueOrThrow({ where: { id: done.tuningRunId! } });
    expect([...keys].some((k) => k.startsWith(run.adapterBlobKey!))).toBe(true);
    const [candidate] = await stack.db.candidate.findMany({ where: { generationId: generation.id } });
    expect(keys).toContain(candidate!.imageBlobKey);
    expect(keys).toContain(candidate!.thumbBlobKey);

    // The studio shows the candidate through a presigned URL on the bucket, not the app's /blobs.
    const studio = await stack.appFetch(
      `/app/products/${backpack.id.split("/").pop()}?_data=${encodeURIComponent("routes/app.products.$id")}`,
    );
    expect(studio.status).toBe(200);
    const { candidates } = (await studio.json()) as { candidates: Array<{ id: string; imageUrl: string }> };
    const shown = candidates.find((c) => c.id === candidate!.id)!;
    expect(shown.imageUrl.startsWith(`${moto.endpoint}/${BUCKET}/${PREFIX}${candidate!.thumbBlobKey}?`)).toBe(true);
    expect(new URL(shown.imageUrl).searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    const thumb = await fetch(shown.imageUrl);
    expect(thumb.headers.get("content-type")).toBe("image/webp");
    const stored = await moto
      .client()
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}${candidate!.thumbBlobKey}` }));
    expect(Buffer.from(await thumb.arrayBuffer())).toEqual(Buffer.from(await stored.Body!.transformToByteArray()));

    // Publishing reads the upscaled image back from the bucket.
    await reviewCandidate(stack.db, producers, DEMO_SHOP, candidate!.id, { decision: "approve" });
    const published = await waitFor("the candidate to be published", async () => {
      const c = await stack.db.candidate.findUnique({ where: { id: candidate!.id } });
      if (c?.state === "failed") throw new Error(`publishing failed: ${c.error}`);
      return c?.state === "published" ? c : undefined;
    });
    expect(published.publishedMediaId).toMatch(/^gid:\/\/shopify\/MediaImage\//);
    expect(await bucketKeys()).toContain(published.upscaledBlobKey);

    expect(await filesUnder(stack.env.STORAGE_DIR!)).toEqual([]);
  }, 300_000);

  it("empties the shop's part of the bucket when the app is uninstalled", async () => {
    expect((await bucketKeys()).length).toBeGreaterThan(0);
    stack.store.control.uninstall(DEMO_SHOP);
    await stack.store.control.webhooksSettled();
    expect(
      stack.store.control
        .webhookAttempts()
        .filter((a) => a.topic === "app/uninstalled")
        .map((a) => a.status),
    ).toEqual([200]);
    // The app queues the deletion; the worker carries it out.
    await waitFor(
      "the uninstall cleanup to empty the bucket",
      async () => ((await bucketKeys()).length === 0 ? true : undefined),
      60_000,
    );
    expect(await bucketKeys()).toEqual([]);
  });
});
