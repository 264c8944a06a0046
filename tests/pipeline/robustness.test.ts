import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelGeneration } from "../../lib/pipeline/cancel";
import { requestScenes, type GenerationOptions } from "../../lib/pipeline/request-scenes";
import { reviewCandidate } from "../../lib/pipeline/review";
import { overallProgress } from "../../lib/pipeline/stages";
import type { Producers } from "../../lib/queue/producer";
import { ProductWithMediaDocument, ProductsPageDocument } from "../../lib/shopify-admin";
import { DEMO_SHOP, startTestStack, type ProcessHandle, type TestStack } from "../harness/stack";
import { stackProducers, waitFor, waitForGeneration } from "./helpers";

describe("pipeline robustness: bad photo sets, cancellation, a worker killed mid-job", () => {
  let stack: TestStack;
  let producers: Producers;
  let worker: ProcessHandle;

  beforeAll(async () => {
    // Short locks: a killed worker's job is picked up again within seconds, not BullMQ's 30 s.
    stack = await startTestStack({ env: { WORKER_LOCK_MS: "10000" } });
    await stack.installShop();
    producers = stackProducers(stack);
    worker = await stack.startWorker();
  }, 120_000);
  afterAll(async () => {
    await producers?.close();
    await stack?.close();
  }, 60_000);

  async function product(title: string) {
    const { products } = await (
      await stack.adminClient()
    ).request(ProductsPageDocument, { first: 10, query: `title:${title}`, mediaFirst: 20 });
    const found = products.nodes.find((p) => p.title.toLowerCase() === title.toLowerCase());
    if (!found)
      throw new Error(
        `no product "${title}" in the local store (have ${products.nodes.map((p) => p.title).join(", ")})`,
      );
    return found;
  }

  async function request(title: string, options: GenerationOptions = {}) {
    const p = await product(title);
    const { generation } = await requestScenes(stack.db, producers, {
      shop: DEMO_SHOP,
      product: { id: p.id, title: p.title, productType: p.productType === "fixture" ? "candle" : p.productType },
      sceneIds: ["g7", "s18"],
      imagesPerScene: 1,
      source: "interactive",
      options,
    });
    return generation;
  }

  const reportOf = async (generationId: string) => {
    const g = await stack.db.generation.findUniqueOrThrow({ where: { id: generationId }, include: { subject: true } });
    return JSON.parse(g.subject.datasetReport ?? "null");
  };

  async function cancelOnceAt(generationId: string, stage: string) {
    await waitFor(`stage ${stage}`, async () => {
      const g = await stack.db.generation.findUniqueOrThrow({ where: { id: generationId } });
      if (["failed", "succeeded"].includes(g.status))
        throw new Error(`request ended (${g.status}: ${g.error}) before ${stage}`);
      return g.stage === stage ? g : undefined;
    });
    await cancelGeneration(stack.db, producers, DEMO_SHOP, generationId);
    const done = await waitForGeneration(stack.db, generationId, ["cancelled", "failed", "succeeded"], 60_000);
    expect(done.status).toBe("cancelled");
    const subject = await stack.db.subject.findUniqueOrThrow({ where: { id: done.subjectId } });
    expect(subject.state).toBe("cancelled");
  }

  it("stops products with 0, 1 or 2 photos before any GPU time, with the reason", async () => {
    const two = stack.store.control.createProduct(DEMO_SHOP, {
      title: "Fixture: two photos",
      productType: "candle",
      imageUrls: (await product("Candle")).media.nodes.slice(0, 2).map((m) => ("image" in m ? m.image!.url : "")),
    });
    await waitFor("the two-photo product's media", async () => {
      const { product: p } = await (
        await stack.adminClient()
      ).request(ProductWithMediaDocument, { id: two.id, mediaFirst: 5 });
      return p?.media.nodes.filter((m) => m.status === "READY").length === 2 ? true : undefined;
    });
    const cases: Array<[string, RegExp]> = [
      ["Fixture: no photos", /no photos yet/],
      ["Fixture: one photo", /1 usable photo; at least 3/],
      ["Fixture: two photos", /2 usable photos; at least 3/],
    ];
    for (const [title, message] of cases) {
      const generation = await request(title);
      const done = await waitForGeneration(stack.db, generation.id, ["failed", "succeeded", "cancelled"], 60_000);
      expect(done.status, title).toBe("failed");
      expect(done.error, title).toMatch(message);
      expect(done.tuningRunId, title).toBeNull();
      const subject = await stack.db.subject.findUniqueOrThrow({ where: { id: done.subjectId } });
      expect(subject.state, title).toBe("needs_attention");
    }
  }, 180_000);

  it("flags a one-background set (berry bowl) until the merchant overrides, then tunes; cancelling stops it", async () => {
    const blocked = await request("Berry Bowl");
    const failed = await waitForGeneration(stack.db, blocked.id, ["failed", "succeeded", "cancelled"], 60_000);
    expect(failed.error).toMatch(/share nearly the same background/);
    expect((await reportOf(blocked.id)).backgroundDiversity.low).toBe(true);

    const overridden = await request("Berry Bowl", { allowLowDiversity: true });
    await cancelOnceAt(overridden.id, "tune");
    const runs = await stack.db.tuningRun.findMany({ where: { subjectId: overridden.subjectId } });
    expect(runs.every((r) => r.status !== "succeeded")).toBe(true);
  }, 240_000);

  it("uses the 7 most varied of 12 photos, and leaves out a corrupt photo with its reason", async () => {
    const twelve = await request("Fixture: twelve photos");
    await cancelOnceAt(twelve.id, "tune");
    const used = await stack.db.trainingImage.findMany({ where: { subjectId: twelve.subjectId, excluded: false } });
    expect(used).toHaveLength(7);

    const corrupt = await request("Fixture: corrupt photo");
    await cancelOnceAt(corrupt.id, "tune");
    const photos = await stack.db.trainingImage.findMany({ where: { subjectId: corrupt.subjectId } });
    expect(photos).toHaveLength(5);
    const bad = photos.filter((p) => p.excluded);
    expect(bad).toHaveLength(1);
    expect(bad[0]!.excludedReason).toMatch(/damaged or truncated|not a readable image|could not be used/);
  }, 240_000);

  it("finishes a request whose worker was SIGKILLed while tuning and while publishing, without duplicates", async () => {
    const generation = await request("Teapot");
    await waitFor("tuning under way", async () => {
      const g = await stack.db.generation.findUniqueOrThrow({ where: { id: generation.id } });
      return g.stage === "tune" && g.progress > overallProgress("tune", 0.4) ? g : undefined;
    });
    await worker.kill("SIGKILL");
    worker = await stack.startWorker();
    const done = await waitForGeneration(stack.db, generation.id, ["succeeded", "failed", "cancelled"], 240_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");
    const candidates = await stack.db.candidate.findMany({ where: { generationId: generation.id } });
    expect(candidates).toHaveLength(2);
    expect(await stack.db.tuningRun.count({ where: { subjectId: done.subjectId, status: "succeeded" } })).toBe(1);

    const productId = (await stack.db.subject.findUniqueOrThrow({ where: { id: done.subjectId } })).productId;
    const mediaCount = async () =>
      (await (await stack.adminClient()).request(ProductWithMediaDocument, { id: productId, mediaFirst: 50 })).product!
        .media.nodes.length;
    const before = await mediaCount();
    await reviewCandidate(stack.db, producers, DEMO_SHOP, candidates[0]!.id, { decision: "approve" });
    await waitFor(
      "publishing under way",
      async () => {
        const c = await stack.db.candidate.findUniqueOrThrow({ where: { id: candidates[0]!.id } });
        return c.state === "publishing" || c.state === "published" ? c : undefined;
      },
      180_000,
      50,
    );
    await worker.kill("SIGKILL");
    worker = await stack.startWorker();
    const published = await waitFor(
      "the candidate to be published",
      async () => {
        const c = await stack.db.candidate.findUniqueOrThrow({ where: { id: candidates[0]!.id } });
        if (c.state === "failed") throw new Error(`publishing failed: ${c.error}`);
        return c.state === "published" ? c : undefined;
      },
      180_000,
    );
    expect(published.publishedMediaId).toBeTruthy();
    expect(await mediaCount()).toBe(before + 1);
  }, 600_000);
});
