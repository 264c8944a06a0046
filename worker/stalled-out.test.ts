// A job whose worker dies at every run (killed for memory, say) is failed by BullMQ once it has stalled more
// often than workerLockOptions allows, without its processor running again. What a last failed attempt does to
// the request or image is then the worker's: before, the request stayed "running" until the reconciler's pass.
import { randomUUID } from "node:crypto";
import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../lib/db";
import {
  checkRedis,
  createRedisConnection,
  STALLED_OUT_REASON,
  TypedQueue,
  workerLockOptions,
  type CandidateJob,
} from "../lib/queue";
import { migratedSqlite, type MigratedSqlite } from "../tests/harness/database";
import { seedImage, seedRequest } from "../tests/harness/seed-rows";
import { killWorkerMidJob } from "../tests/harness/stalling-worker";
import { waitFor } from "../tests/pipeline/helpers";
import { startWorkerRuntime, type WorkerRuntime } from "./runtime";
import { stalledOutHandler } from "./stages/stalled-out";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SHOP = "stalled-out.myshopify.com";
const LOCK_MS = 1_000;

let client: PrismaClient;
let database: MigratedSqlite | undefined;

beforeAll(async () => {
  await checkRedis(REDIS_URL);
  database = await migratedSqlite();
  ({ client } = database);
});
afterAll(async () => {
  await database?.close();
});

const request = (generation: { status?: string; cancelRequested?: boolean } = {}) =>
  seedRequest(client, SHOP, { status: "running", ...generation }, { state: "checking" });

const ended = async (generationId: string) => {
  const g = await client.generation.findUniqueOrThrow({ where: { id: generationId }, include: { subject: true } });
  return { status: g.status, error: g.error, subject: g.subject.state, lastError: g.subject.lastError };
};

describe("a request stage whose worker died at every run", () => {
  const prefix = `test-${randomUUID()}`;
  const connection = createRedisConnection(REDIS_URL);
  const queue = new TypedQueue("ingest", { connection, prefix });
  let runtime: WorkerRuntime | undefined;
  afterAll(async () => {
    await runtime?.close();
    await queue.queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  });

  it("ends failed as soon as BullMQ fails the job, with the stage's message; the processor is not run again", async () => {
    const { generation } = await request();
    const job = await queue.add("ingest", { shop: SHOP, generationId: generation.id });
    // Each fixture worker puts the previous one's job back in the queue (its stalled-job check), takes it, dies.
    for (let kill = 0; kill <= workerLockOptions(LOCK_MS).maxStalledCount; kill++)
      await killWorkerMidJob(REDIS_URL, prefix);
    expect(await (await queue.queue.getJob(job.id!))?.getState()).toBe("active");

    const ran: string[] = [];
    runtime = await startWorkerRuntime({
      redisUrl: REDIS_URL,
      prefix,
      queues: ["ingest"],
      processors: { ingest: { ingest: async (j) => void ran.push(j.id!) } },
      healthPort: 0,
      lockMs: LOCK_MS,
      log: () => {},
      onStalledOut: stalledOutHandler(client),
    });
    await waitFor("the job failed as stalled", async () =>
      (await queue.queue.getJobState(job.id!)) === "failed" ? true : undefined,
    );
    expect((await queue.queue.getJob(job.id!))?.failedReason).toBe(STALLED_OUT_REASON);
    const message =
      "Something went wrong on our side while fetching your photos. Please try again; if it keeps failing, contact support.";
    await waitFor("the request to end", async () =>
      (await ended(generation.id)).status === "failed" ? true : undefined,
    );
    expect(await ended(generation.id)).toEqual({
      status: "failed",
      error: message,
      subject: "failed",
      lastError: message,
    });
    expect(ran).toEqual([]);
  }, 60_000);
});

describe("what a stalled-out job ends", () => {
  const generationJob = (name: string, generationId: string) =>
    ({ name, data: { shop: SHOP, generationId } }) as unknown as Job;

  it("a request whose cancellation was asked for ends cancelled; an ended one is left as it is", async () => {
    const asked = await request({ cancelRequested: true });
    await stalledOutHandler(client)(generationJob("tune", asked.generation.id));
    expect(await ended(asked.generation.id)).toMatchObject({ status: "cancelled", error: null, subject: "cancelled" });

    const done = await request({ status: "succeeded" });
    await stalledOutHandler(client)(generationJob("score", done.generation.id));
    expect(await ended(done.generation.id)).toMatchObject({ status: "succeeded", error: null, subject: "checking" });
  });

  it("an image on its way to the product fails, so that the merchant can approve it again; a rejected one stays rejected", async () => {
    const { generation } = await request({ status: "succeeded" });
    const image = (state: string) => seedImage(client, { generation }, state);
    const upscaling = await image("upscaling");
    const rejected = await image("rejected");
    const candidateJob = (name: string, candidateId: string) =>
      ({ name, data: { shop: SHOP, candidateId } satisfies CandidateJob }) as unknown as Job;
    await stalledOutHandler(client)(candidateJob("upscale", upscaling.id));
    await stalledOutHandler(client)(candidateJob("publish", rejected.id));
    const states = await client.candidate.findMany({ where: { id: { in: [upscaling.id, rejected.id] } } });
    expect(states.map((c) => [c.id, c.state, c.error])).toEqual(
      expect.arrayContaining([
        [
          upscaling.id,
          "failed",
          "Something went wrong while upscaling the image. Approve the image again to retry; if it keeps failing, contact support.",
        ],
        [rejected.id, "rejected", null],
      ]),
    );
  });
});
