import { readFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { productSource } from "../../lib/images/exact-product";
import { parsePlacement } from "../../lib/images/placement";
import type { GenerationMode } from "../../lib/pipeline/generation-modes";
import { LocalBlobStore, parseBlobKey } from "../../lib/storage";
import { PRICES_USD } from "../../lib/usage";
import { cancelGeneration } from "../../lib/pipeline/cancel";
import { PIPELINE_STAGES, stageJobId, type PipelineStage } from "../../lib/pipeline/stages";
import { requestScenes } from "../../lib/pipeline/request-scenes";
import { reviewCandidate } from "../../lib/pipeline/review";
import type { Producers } from "../../lib/queue/producer";
import { ProductWithMediaDocument, ProductsPageDocument } from "../../lib/shopify-admin";
import { METRIC } from "../../lib/metrics";
import { freePort } from "../harness/free-port";
import { DEMO_SHOP, startTestStack, type TestStack } from "../harness/stack";
import { stackProducers, waitFor, waitForGeneration } from "./helpers";

const PACKSHOTS = path.join(import.meta.dirname, "..", "fixtures", "packshots");

describe("the product pipeline on the tiny profile", () => {
  let stack: TestStack;
  let producers: Producers;
  let workerHealthPort: number;
  const METRICS_TOKEN = "full-flow-scrape-token";

  beforeAll(async () => {
    stack = await startTestStack({ env: { METRICS_TOKEN } });
    await stack.installShop();
    producers = stackProducers(stack);
    workerHealthPort = await freePort();
    await stack.startWorker({ WORKER_HEALTH_PORT: String(workerHealthPort) });
  }, 120_000);
  afterAll(async () => {
    await producers?.close();
    await stack?.close();
  });

  async function product(title: string) {
    const admin = await stack.adminClient();
    const { products } = await admin.request(ProductsPageDocument, {
      first: 5,
      query: `title:${title}`,
      mediaFirst: 1,
    });
    const found = products.nodes.find((p) => p.title.toLowerCase().includes(title.toLowerCase()));
    if (!found) throw new Error(`no product ${title} in the local store`);
    return found;
  }

  it("takes a product from its photos to a published 2048 px image", async () => {
    const backpack = await product("backpack");
    const { generation, created } = await requestScenes(stack.db, producers, {
      shop: DEMO_SHOP,
      product: { id: backpack.id, title: backpack.title, productType: backpack.productType },
      sceneIds: ["g7", "g8", "s17"],
      imagesPerScene: 2,
      source: "interactive",
    });
    expect(created).toBe(true);
    const done = await waitForGeneration(stack.db, generation.id, ["succeeded", "failed", "cancelled"]);
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");
    expect(done.progress).toBe(1);

    const candidates = await stack.db.candidate.findMany({ where: { generationId: generation.id } });
    expect(candidates).toHaveLength(6);
    for (const c of candidates) {
      for (const score of [c.dino, c.clipI, c.clipT, c.itm, c.itc]) expect(Number.isFinite(score)).toBe(true);
      expect(c.thumbBlobKey).toMatch(/-thumb\.webp$/);
    }
    const subject = await stack.db.subject.findFirstOrThrow({ where: { shop: DEMO_SHOP, productId: backpack.id } });
    expect(subject.state).toBe("review");

    // Tune and generate report the seconds inside the tuner the way every stage reports model time;
    // the tuning run's GPU seconds are that time (not the blob transfers around it).
    const modelSeconds = async (stage: PipelineStage) => {
      const queue = PIPELINE_STAGES.find((s) => s.name === stage)!.queue;
      return (
        (await producers.queue(queue).getJob(stageJobId(generation.id, stage)))?.returnvalue as {
          modelSeconds?: number;
        }
      ).modelSeconds;
    };
    const tuned = await modelSeconds("tune");
    expect(tuned).toBeGreaterThan(0);
    expect(await modelSeconds("generate")).toBeGreaterThan(0);
    const run = await stack.db.tuningRun.findFirstOrThrow({ where: { id: done.tuningRunId! } });
    expect(run.gpuSeconds).toBe(tuned);
    expect(JSON.parse(subject.datasetReport!).status).not.toBe("blocked");

    await reviewCandidate(stack.db, producers, DEMO_SHOP, candidates[0]!.id, {
      decision: "approve",
      ratingSubject: 4,
      ratingScene: 5,
    });
    const published = await waitFor("the candidate to be published", async () => {
      const c = await stack.db.candidate.findUnique({ where: { id: candidates[0]!.id } });
      if (c?.state === "failed") throw new Error(`publishing failed: ${c.error}`);
      return c?.state === "published" ? c : undefined;
    });
    expect(published.publishedMediaId).toMatch(/^gid:\/\/shopify\/MediaImage\//);

    const mediaOf = async () => {
      const { product } = await (
        await stack.adminClient()
      ).request(ProductWithMediaDocument, { id: backpack.id, mediaFirst: 50 });
      return product!.media.nodes;
    };
    const media = (await mediaOf()).find((m) => m.id === published.publishedMediaId);
    expect(media?.status).toBe("READY");

    // What an operator sees after this run: every stage's duration on the worker, the image published,
    // the tuning charged, the Admin API's cost; the app's endpoint only with its token.
    const workerMetrics = await (await fetch(`http://127.0.0.1:${workerHealthPort}/metrics`)).text();
    for (const stage of [...PIPELINE_STAGES.map((s) => s.name), "upscale", "publish"]) {
      expect(workerMetrics).toMatch(
        new RegExp(`^${METRIC.stageDuration}_count\\{[^}]*stage="${stage}"[^}]*outcome="completed"[^}]*\\} [1-9]`, "m"),
      );
    }
    expect(workerMetrics).toMatch(new RegExp(`^${METRIC.publishes}\\{[^}]*outcome="published"[^}]*\\} 1$`, "m"));
    expect(workerMetrics).toMatch(
      new RegExp(`^${METRIC.usageCharges}\\{[^}]*kind="tuned_product"[^}]*outcome="charged"`, "m"),
    );
    expect(workerMetrics).toMatch(new RegExp(`^${METRIC.adminApiCost}\\{[^}]*\\} [1-9]`, "m"));
    expect(workerMetrics).toMatch(
      new RegExp(`^${METRIC.queueJobs}\\{[^}]*queue="publish"[^}]*state="completed"[^}]*\\} [1-9]`, "m"),
    );
    expect((await fetch(new URL("/metrics", stack.appUrl))).status).toBe(401);
    const appMetrics = await fetch(new URL("/metrics", stack.appUrl), {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(appMetrics.status).toBe(200);
    expect(await appMetrics.text()).toMatch(new RegExp(`^${METRIC.queueJobs}\\{[^}]*process="app"`, "m"));
    expect(media?.alt).toContain(backpack.title);
    expect(media && "image" in media ? [media.image?.width, media.image?.height] : null).toEqual([2048, 2048]);

    // Approving again never creates a second media.
    const before = (await mediaOf()).length;
    await reviewCandidate(stack.db, producers, DEMO_SHOP, candidates[0]!.id, { decision: "approve" });
    await new Promise((r) => setTimeout(r, 2000));
    expect((await mediaOf()).length).toBe(before);

    // A new request for the product never trains on the scene image SceneBooth published there.
    const again = await requestScenes(stack.db, producers, {
      shop: DEMO_SHOP,
      product: { id: backpack.id, title: backpack.title, productType: backpack.productType },
      sceneIds: ["g0"],
      imagesPerScene: 1,
      source: "interactive",
    });
    await waitFor("the second request's dataset check", async () => {
      const g = await stack.db.generation.findUniqueOrThrow({ where: { id: again.generation.id } });
      return g.stage === "tune" || (g.status !== "queued" && g.status !== "running") ? g : undefined;
    });
    await cancelGeneration(stack.db, producers, DEMO_SHOP, again.generation.id);
    const photos = await stack.db.trainingImage.findMany({ where: { subjectId: subject.id } });
    expect(photos.map((p) => p.sourceMediaId)).not.toContain(published.publishedMediaId);
    expect(photos).toHaveLength(backpack.mediaCount!.count);
  }, 300_000);

  it("exact-product mode: both modes make both kinds, scored; the fast lane tunes nothing, publishes the photo's own pixels and charges the image only", async () => {
    const product = { title: "Carton", productType: "box" };
    const { id } = stack.store.control.createProduct(DEMO_SHOP, product);
    for (const n of [0, 1, 2]) {
      const bytes = readFileSync(path.join(PACKSHOTS, `carton-${n}.png`));
      await stack.store.control.addImageFile(DEMO_SHOP, id, {
        filename: `carton-${n}.png`,
        bytes,
        processing: "checked",
      });
    }
    const request = (modes: GenerationMode[]) =>
      requestScenes(stack.db, producers, {
        shop: DEMO_SHOP,
        product: { id, ...product },
        sceneIds: ["g3"],
        imagesPerScene: 1,
        source: "interactive",
        // Packshots share one white backdrop: tuning on them needs the merchant's go-ahead.
        options: { modes, allowLowDiversity: true },
      });
    const done = async (generationId: string) => {
      const g = await waitForGeneration(stack.db, generationId, ["succeeded", "failed", "cancelled"]);
      expect(g.error).toBeNull();
      const made = await stack.db.candidate.findMany({ where: { generationId }, orderBy: { mode: "asc" } });
      for (const c of made)
        for (const score of [c.dino, c.clipI, c.clipT, c.itm, c.itc]) expect(Number.isFinite(score)).toBe(true);
      return { g, made };
    };

    const both = await done((await request(["tuned", "exact"])).generation.id);
    expect(both.made.map((c) => [c.mode, c.placement !== null, c.sourceImageId !== null])).toEqual([
      ["exact", true, true],
      ["tuned", false, false],
    ]);
    expect(both.g.tuningRunId).not.toBeNull();

    const fast = await done((await request(["exact"])).generation.id);
    expect(fast.g.lane).toBe("fast");
    expect(fast.g.tuningRunId).toBeNull();
    expect(await producers.queue("gpu").getJob(stageJobId(fast.g.id, "tune"))).toBeUndefined();
    expect(await producers.queue("gpu").getJob(stageJobId(fast.g.id, "generate"))).toBeDefined();
    const [image] = fast.made;
    expect(image!.mode).toBe("exact");

    await reviewCandidate(stack.db, producers, DEMO_SHOP, image!.id, { decision: "approve" });
    const published = await waitFor("the exact-product image to be published", async () => {
      const c = await stack.db.candidate.findUnique({ where: { id: image!.id } });
      if (c?.state === "failed") throw new Error(`publishing failed: ${c.error}`);
      return c?.state === "published" ? c : undefined;
    });
    // Charged as README's "Billing" says: the product's one tuning (the request for both modes) and
    // this image; the fast-lane request itself charged nothing.
    const charges = await stack.db.usageRecord.findMany({
      where: { shop: DEMO_SHOP, kind: { in: ["tuned_product", "images_published"] } },
    });
    expect(
      charges.filter((u) => u.kind === "tuned_product" && u.idempotencyKey.endsWith(both.g.tuningRunId!)),
    ).toHaveLength(1);
    expect(
      charges.filter((u) => u.idempotencyKey === `${DEMO_SHOP}:images_published:${image!.id}`).map((u) => u.amountUsd),
    ).toEqual([PRICES_USD.images_published]);

    // The published image carries the photo's own pixels where the product stands.
    const store = new LocalBlobStore({
      rootDir: stack.env.STORAGE_DIR!,
      publicBaseUrl: stack.appUrl,
      signingKey: "unused",
    });
    const out = await sharp((await store.get(parseBlobKey(published.upscaledBlobKey!).key)).data)
      .removeAlpha()
      .raw()
      .toBuffer();
    const photo = await stack.db.trainingImage.findUniqueOrThrow({ where: { id: published.sourceImageId! } });
    const original = (await store.get(parseBlobKey(photo.originalBlobKey).key)).data;
    const source = await productSource(original);
    const placement = parsePlacement(published.placement)!;
    const width = Math.round(placement.width * 2048);
    const height = Math.round(source.box.height * (width / source.box.width));
    const [left, top] = [Math.round(placement.cx * 2048 - width / 2), Math.round(placement.bottom * 2048) - height];
    const expected = await sharp(original)
      .extract(source.box)
      .resize(width, height, { fit: "fill", kernel: "lanczos3" })
      .removeAlpha()
      .raw()
      .toBuffer();
    let diff = 0;
    let n = 0;
    for (let y = Math.round(height * 0.2); y < height * 0.8; y += 4)
      for (let x = Math.round(width * 0.2); x < width * 0.8; x += 4)
        for (let c = 0; c < 3; c++, n++)
          diff += Math.abs(out[((top + y) * 2048 + left + x) * 3 + c]! - expected[(y * width + x) * 3 + c]!);
    expect(diff / n).toBeLessThan(4);
  }, 300_000);
});
