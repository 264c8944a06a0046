import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dbAndQueues, type DbAndQueues } from "../../tests/harness/queue-fixture";
import { type PrismaClient } from "../db";
import { createProducerConnection, isRedisUnavailable } from "../queue/connection";
import { freePort } from "../../tests/harness/free-port";
import { seedImage, seedRequest } from "../../tests/harness/seed-rows";
import { type Producers } from "../queue/producer";
import { QUEUE_KEYS, PIPELINE_STAGES, stageJobId } from "./stages";
import { reconcile } from "./reconcile";
import type { GenerationMode } from "./generation-modes";
import { requestScenes } from "./request-scenes";
import { publishChainJobIds, PUBLISHABLE_STATES, reviewCandidate } from "./review";
import { shopCleanupJobId } from "../webhooks/jobs";

const SHOP = "reconcile-shop.myshopify.com";

let fixture: DbAndQueues;
let client: PrismaClient;
let connection: Redis;
let producers: Producers;
let prefix: string;

beforeAll(async () => {
  fixture = await dbAndQueues();
  ({ client, connection, producers, prefix } = fixture);
});
afterAll(() => fixture?.close());

// Each case starts with nothing pending: the pass looks at every shop's rows.
afterEach(async () => {
  await client.generation.updateMany({
    where: { status: { in: ["queued", "running"] } },
    data: { status: "succeeded" },
  });
  await client.candidate.updateMany({ where: { state: { in: PUBLISHABLE_STATES } }, data: { state: "published" } });
  await client.shop.deleteMany({ where: { uninstalledAt: { not: null } } });
  await loseJobs();
});

const pass = (graceMs = 0) => reconcile({ client, producers, lockKey: `${prefix}:reconcile`, graceMs });

/** Every job id in every queue (any state), to count duplicates. */
async function allJobIds(): Promise<string[]> {
  const ids: string[] = [];
  for (const key of QUEUE_KEYS) for (const job of await producers.queue(key).getJobs()) if (job?.id) ids.push(job.id);
  return ids.sort();
}

/** What a Redis loss does to BullMQ's keys: every job of these queues is gone. */
async function loseJobs() {
  for (const key of QUEUE_KEYS) await producers.queue(key).obliterate({ force: true });
}

async function openRequest(n: number, modes?: GenerationMode[]) {
  const { generation } = await requestScenes(client, producers, {
    shop: SHOP,
    product: { id: `gid://shopify/Product/${n}`, title: `Teapot ${n}`, productType: "teapot" },
    sceneIds: ["g7"],
    imagesPerScene: 1,
    source: "interactive",
    options: modes ? { modes } : undefined,
  });
  return generation;
}

async function approvedImage(state = "approved") {
  return seedImage(client, await seedRequest(client, SHOP), state, { seed: 1, imageBlobKey: `shops/${SHOP}/x.png` });
}

describe("reconcile", () => {
  it("adds nothing when every pending request and image has its jobs", async () => {
    await openRequest(1);
    const before = await allJobIds();
    expect(await pass()).toEqual([]);
    expect(await allJobIds()).toEqual(before);
  });

  it("re-adds the lost flows of open requests and the lost chains of approved images under their fixed ids; a second pass adds nothing", async () => {
    const queued = await openRequest(2);
    const running = await openRequest(3);
    await client.generation.update({ where: { id: running.id }, data: { status: "running", stage: "tune" } });
    const image = await approvedImage("upscaling");
    const fast = await openRequest(30, ["exact"]);
    await loseJobs();

    const actions = await pass();
    expect(actions?.map((a) => [a.kind, a.id, a.action]).sort()).toEqual(
      [
        ["request", queued.id, "re-added"],
        ["request", fast.id, "re-added"],
        ["request", running.id, "re-added"],
        ["image", image.id, "re-added"],
      ].sort(),
    );
    const ids = await allJobIds();
    for (const g of [queued, running])
      for (const stage of PIPELINE_STAGES) expect(ids).toContain(stageJobId(g.id, stage.name));
    // A fast-lane request (exact product only) gets its flow back without a tune stage.
    for (const stage of PIPELINE_STAGES)
      expect(ids.includes(stageJobId(fast.id, stage.name)), stage.name).toBe(stage.name !== "tune");
    const chain = publishChainJobIds(image.id);
    expect(ids).toEqual(expect.arrayContaining([chain.publish, chain.upscale]));
    expect(["waiting", "prioritized"]).toContain(
      await producers.queue("ingest").getJobState(stageJobId(running.id, "ingest")),
    );

    expect(await pass()).toEqual([]);
    expect(await allJobIds()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("ends what can no longer run: a failed chain marks its request or image failed, a cancelled request without jobs is cancelled", async () => {
    const failing = await openRequest(4);
    const cancelling = await openRequest(5);
    const image = await approvedImage();
    await loseJobs();
    await client.generation.update({ where: { id: cancelling.id }, data: { cancelRequested: true } });
    // Failed for good while the database did not answer: the job is in the failed set, the row still open.
    const failed = [
      ["ingest", "ingest", { shop: SHOP, generationId: failing.id }, stageJobId(failing.id, "ingest")],
      ["post", "upscale", { shop: SHOP, candidateId: image.id }, publishChainJobIds(image.id).upscale],
    ] as const;
    for (const [queue, name, data, jobId] of failed) {
      const q = producers.queue(queue);
      await q.add(name, data, { jobId });
      await connection.lrem(`${prefix}:${q.name}:wait`, 0, jobId);
      await connection.zadd(`${prefix}:${q.name}:failed`, Date.now(), jobId);
      expect(await q.getJobState(jobId)).toBe("failed");
    }

    const actions = await pass();
    expect(actions?.map((a) => [a.id, a.action]).sort()).toEqual(
      [
        [failing.id, "marked failed"],
        [cancelling.id, "marked cancelled"],
        [image.id, "marked failed"],
      ].sort(),
    );
    expect(await client.generation.findUniqueOrThrow({ where: { id: failing.id } })).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/went wrong/),
    });
    expect(await client.generation.findUniqueOrThrow({ where: { id: cancelling.id } })).toMatchObject({
      status: "cancelled",
    });
    expect(await client.candidate.findUniqueOrThrow({ where: { id: image.id } })).toMatchObject({
      state: "failed",
      error: expect.stringMatching(/Approve the image again/),
    });
    expect(await pass()).toEqual([]);
  });

  it("queues an uninstalled shop's lost cleanup again, once", async () => {
    const shop = "reconcile-gone.myshopify.com";
    const uninstalledAt = new Date("2026-12-01T10:00:00.000Z");
    await client.shop.create({ data: { shop, installedAt: new Date("2026-11-01"), uninstalledAt } });
    const actions = await pass();
    expect(actions?.filter((a) => a.kind === "shop-cleanup")).toEqual([
      { kind: "shop-cleanup", shop, id: shop, action: "re-added" },
    ]);
    const job = await producers.queue("publish").getJob(shopCleanupJobId(shop, uninstalledAt));
    expect(job?.data).toEqual({ shop, triggeredAt: uninstalledAt.toISOString() });
    expect(await pass()).toEqual([]);
  });

  it("leaves rows changed within the grace period alone, and skips a pass while another holds the lock", async () => {
    const recent = await openRequest(6);
    await producers.queue("post").remove(stageJobId(recent.id, "score"), { removeChildren: true });
    expect(await pass(60_000)).toEqual([]);

    await connection.set(`${prefix}:reconcile`, "someone else", "PX", 5_000);
    try {
      expect(await pass()).toBeNull();
    } finally {
      await connection.del(`${prefix}:reconcile`);
    }
    expect((await pass())?.map((a) => a.id)).toEqual([recent.id]);
  });
});

describe("reviewCandidate while Redis does not answer", () => {
  it("refuses an approval before the image changes state (nothing for the reconciler to find)", async () => {
    const image = await approvedImage("pending");
    const nowhere = createProducerConnection(`redis://127.0.0.1:${await freePort()}`, 300);
    try {
      const down: Producers = { ...producers, ping: () => nowhere.ping() };
      const error = await reviewCandidate(client, down, SHOP, image.id, { decision: "approve" }).catch(
        (e: unknown) => e,
      );
      expect(isRedisUnavailable(error)).toBe(true);
    } finally {
      nowhere.disconnect();
    }
    expect((await client.candidate.findUniqueOrThrow({ where: { id: image.id } })).state).toBe("pending");
  });
});
