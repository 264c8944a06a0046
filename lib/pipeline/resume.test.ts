import { randomUUID } from "node:crypto";
import { UnrecoverableError, Worker, type Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dbAndQueues, TEST_REDIS_URL, type DbAndQueues } from "../../tests/harness/queue-fixture";
import { waitFor } from "../../tests/pipeline/helpers";
import { type PrismaClient } from "../db";
import { createRedisConnection } from "../queue/connection";
import type { CandidateJob, GenerationJob } from "../queue/jobs";
import { QUEUE_NAMES } from "../queue/jobs";
import { type Producers } from "../queue/producer";
import { RECONNECT_MESSAGE } from "../shopify-admin/offline-tokens";
import { requestScenes } from "./request-scenes";
import { resumeStopped, resumeStoppedImages, stoppedForReconnect, stoppedImagesForReconnect } from "./resume";
import { publishChainJobIds } from "./review";
import { PIPELINE_STAGES, stageJobId } from "./stages";

const SHOP = "resume-shop.myshopify.com";

let fixture: DbAndQueues;
let client: PrismaClient;
let producers: Producers;
let prefix: string;
const workers: Worker[] = [];
/** Stage names in the order the fake workers ran them. */
const ran: string[] = [];
/** The images whose upscale job ran (their chain's first job). */
const upscaled: string[] = [];
let tokensRevoked = true;

/**
 * Fake stage processors (the real stages need models and a store): each records its run; tune
 * stops as the worker's runner does when Shopify refuses the shop's tokens, until they work again.
 */
async function fakeStage(job: Job<GenerationJob | CandidateJob>): Promise<void> {
  if ("candidateId" in job.data) {
    upscaled.push(job.data.candidateId);
    return;
  }
  const { generationId } = job.data;
  await client.generation.update({ where: { id: generationId }, data: { status: "running", stage: job.name } });
  if (job.name === "tune" && tokensRevoked) {
    await client.generation.update({
      where: { id: generationId },
      data: { status: "failed", error: RECONNECT_MESSAGE, finishedAt: new Date() },
    });
    throw new UnrecoverableError(`reconnect_required: ${RECONNECT_MESSAGE}`);
  }
  ran.push(job.name);
  if (job.name === "score")
    await client.generation.update({ where: { id: generationId }, data: { status: "succeeded", progress: 1 } });
}

beforeAll(async () => {
  fixture = await dbAndQueues();
  ({ client, producers, prefix } = fixture);
  for (const name of new Set(PIPELINE_STAGES.map((s) => QUEUE_NAMES[s.queue])))
    workers.push(new Worker(name, fakeStage, { connection: createRedisConnection(TEST_REDIS_URL), prefix }));
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await fixture?.close();
});

const generationOf = (id: string) => client.generation.findUniqueOrThrow({ where: { id }, include: { subject: true } });

describe("resuming requests stopped for reconnecting", () => {
  it("re-queues a stopped request once, from its stopped stage, and it finishes without redoing earlier stages", async () => {
    const { generation } = await requestScenes(client, producers, {
      shop: SHOP,
      product: { id: "gid://shopify/Product/1", title: "Teapot", productType: "teapot" },
      sceneIds: ["g7"],
      imagesPerScene: 1,
      source: "interactive",
    });
    await waitFor("the request to stop", async () =>
      (await generationOf(generation.id)).status === "failed" ? true : undefined,
    );
    expect(ran).toEqual(["ingest", "prepare", "dataset-check"]);
    expect(await stoppedForReconnect(client, SHOP)).toEqual([
      { id: generation.id, productId: "gid://shopify/Product/1", productTitle: "Teapot", stage: "tune" },
    ]);
    expect(await stoppedForReconnect(client, "other-shop.myshopify.com")).toEqual([]);

    // The merchant reconnected; two clicks at once resume it once.
    tokensRevoked = false;
    const [a, b] = await Promise.all([
      resumeStopped(client, producers, SHOP),
      resumeStopped(client, producers, SHOP, [generation.id]),
    ]);
    expect([...a, ...b].map((r) => r.id)).toEqual([generation.id]);
    const resumed = await generationOf(generation.id);
    expect(resumed.error).toBeNull();
    expect(resumed.subject.state).toBe("training");
    // The earlier stages have no job any more; the rest of the chain keeps its fixed ids.
    expect(await producers.queue("ingest").getJob(stageJobId(generation.id, "ingest"))).toBeUndefined();

    await waitFor("the resumed request to finish", async () =>
      (await generationOf(generation.id)).status === "succeeded" ? true : undefined,
    );
    expect(ran).toEqual(["ingest", "prepare", "dataset-check", "tune", "generate", "score"]);
    expect(await stoppedForReconnect(client, SHOP)).toEqual([]);
    expect(await resumeStopped(client, producers, SHOP)).toEqual([]);
  });

  it("leaves alone a stopped request that a newer request of its product replaced", async () => {
    tokensRevoked = true;
    const ask = () =>
      requestScenes(client, producers, {
        shop: SHOP,
        product: { id: "gid://shopify/Product/2", title: "Vase", productType: "vase" },
        sceneIds: ["g7"],
        imagesPerScene: 1,
        source: "interactive",
      });
    const first = (await ask()).generation;
    await waitFor("the first request to stop", async () =>
      (await generationOf(first.id)).status === "failed" ? true : undefined,
    );
    const second = (await ask()).generation;
    await waitFor("the second request to stop", async () =>
      (await generationOf(second.id)).status === "failed" ? true : undefined,
    );
    expect((await stoppedForReconnect(client, SHOP)).map((s) => s.id)).toEqual([second.id]);
    expect(await resumeStopped(client, producers, SHOP, [first.id])).toEqual([]);
    expect((await generationOf(first.id)).status).toBe("failed");
  });

  it("approves again, once, the images whose publishing stopped for reconnecting, and queues their chain", async () => {
    const generation = await client.generation.findFirstOrThrow({
      where: { shop: SHOP, subject: { productId: "gid://shopify/Product/1" } },
    });
    const image = (state: string, error: string | null) =>
      client.candidate.create({
        data: {
          shop: SHOP,
          generationId: generation.id,
          subjectId: generation.subjectId,
          sceneId: "g7",
          sceneKind: "general",
          prompt: "a teapot on the beach",
          seed: 1,
          imageBlobKey: `k-${randomUUID()}`,
          state,
          error,
        },
      });
    const stopped = await image("failed", RECONNECT_MESSAGE);
    const broken = await image("failed", "Something went wrong while publishing the image.");
    const rejected = await image("rejected", null);
    expect(await stoppedImagesForReconnect(client, SHOP)).toEqual([
      { id: stopped.id, productId: "gid://shopify/Product/1", productTitle: "Teapot" },
    ]);
    expect(await stoppedImagesForReconnect(client, "other-shop.myshopify.com")).toEqual([]);
    expect(await resumeStoppedImages(client, producers, "other-shop.myshopify.com")).toEqual([]);

    const [a, b] = await Promise.all([
      resumeStoppedImages(client, producers, SHOP),
      resumeStoppedImages(client, producers, SHOP, [stopped.id]),
    ]);
    expect([...a, ...b].map((r) => r.id)).toEqual([stopped.id]);
    const state = async (id: string) => {
      const c = await client.candidate.findUniqueOrThrow({ where: { id } });
      return [c.state, c.error];
    };
    expect(await state(stopped.id)).toEqual(["approved", null]);
    expect(await state(broken.id)).toEqual(["failed", "Something went wrong while publishing the image."]);
    expect(await state(rejected.id)).toEqual(["rejected", null]);
    await waitFor("the resumed image's upscale to run", async () => (upscaled.includes(stopped.id) ? true : undefined));
    expect(upscaled).toEqual([stopped.id]);
    expect(await producers.queue("publish").getJob(publishChainJobIds(stopped.id).publish)).toBeDefined();
    expect(await stoppedImagesForReconnect(client, SHOP)).toEqual([]);
    expect(await resumeStoppedImages(client, producers, SHOP)).toEqual([]);
  });
});
