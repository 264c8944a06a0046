import { randomUUID } from "node:crypto";
import { QueueEvents, type Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { killWorkerMidJob } from "../../tests/harness/stalling-worker";
import { checkRedis, createRedisConnection } from "./connection";
import { QUEUE_NAMES } from "./jobs";
import { TypedQueue, createTypedWorker, stalledJobRecoveryMs, workerLockOptions } from "./queues";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SHOP = "queue-test.myshopify.com";

describe("typed jobs on real Redis", () => {
  let connection: Redis;
  let prefix: string;
  let queue: TypedQueue<"ingest">;
  let events: QueueEvents;
  const workers: Worker[] = [];

  beforeAll(async () => {
    await checkRedis(REDIS_URL);
    connection = createRedisConnection(REDIS_URL);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close(true)));
    await events?.close();
    await queue?.queue.obliterate({ force: true });
    await queue?.close();
  });

  afterAll(async () => {
    await connection.quit();
  });

  function setUp() {
    prefix = `test-${randomUUID()}`;
    queue = new TypedQueue("ingest", { connection, prefix });
    events = new QueueEvents(QUEUE_NAMES.ingest, { connection: createRedisConnection(REDIS_URL), prefix });
    return events.waitUntilReady();
  }

  it("round-trips a typed payload and its result", async () => {
    await setUp();
    const seen: unknown[] = [];
    workers.push(
      createTypedWorker(
        "ingest",
        {
          ingest: async (job) => {
            seen.push(job.data);
            return { photos: 5, generationId: job.data.generationId };
          },
        },
        { connection, prefix },
      ),
    );
    const job = await queue.add("ingest", { shop: SHOP, generationId: "gen-1" });
    const result = await job.waitUntilFinished(events, 10_000);
    expect(result).toEqual({ photos: 5, generationId: "gen-1" });
    expect(seen).toEqual([{ shop: SHOP, generationId: "gen-1" }]);
  });

  it("retries a job whose processor threw, then succeeds", async () => {
    await setUp();
    let calls = 0;
    workers.push(
      createTypedWorker(
        "ingest",
        {
          ingest: async () => {
            calls += 1;
            if (calls === 1) throw new Error("transient: storage timed out");
            return "ok";
          },
        },
        { connection, prefix },
      ),
    );
    const job = await queue.add(
      "ingest",
      { shop: SHOP, generationId: "gen-2" },
      { attempts: 3, backoff: { type: "fixed", delay: 50 } },
    );
    expect(await job.waitUntilFinished(events, 10_000)).toBe("ok");
    const finished = await queue.queue.getJob(job.id!);
    expect(finished?.attemptsMade).toBe(2);
    expect(calls).toBe(2);
  });

  it("fails a malformed payload once, without retries", async () => {
    await setUp();
    workers.push(createTypedWorker("ingest", { ingest: async () => "never" }, { connection, prefix }));
    const job = await queue.queue.add("ingest", { shop: "not a shop", generationId: "g" }, { attempts: 3 });
    await expect(job.waitUntilFinished(events, 10_000)).rejects.toThrow(/no valid shop/);
    expect((await queue.queue.getJob(job.id!))?.attemptsMade).toBe(1);
  });

  /** A healthy worker with 1 s locks: it takes the stalled job back once BullMQ puts it in its queue again. */
  const recoveringWorker = () =>
    createTypedWorker(
      "ingest",
      { ingest: async (j) => `recovered ${j.data.generationId}` },
      { connection, prefix },
      workerLockOptions(1_000),
    );

  /** A worker process takes the next job and is SIGKILLed mid-job. */
  async function killedWhileRunning(jobId: string) {
    await killWorkerMidJob(REDIS_URL, prefix);
    expect(await (await queue.queue.getJob(jobId))?.getState()).toBe("active");
  }

  it("recovers a job whose worker process was killed (stalled job)", async () => {
    await setUp();
    const job = await queue.add("ingest", { shop: SHOP, generationId: "gen-3" });
    await killedWhileRunning(job.id!);

    workers.push(recoveringWorker());
    expect(await job.waitUntilFinished(events, 20_000)).toBe("recovered gen-3");
    const recovered = await queue.queue.getJob(job.id!);
    expect(recovered?.stalledCounter).toBeGreaterThanOrEqual(1);
  });

  it("recovers a job that stalled twice (a lock lapsed under load, then its worker killed), within the stalled-job bound", async () => {
    await setUp();
    const job = await queue.add("ingest", { shop: SHOP, generationId: "gen-4" });
    await killedWhileRunning(job.id!);
    await killedWhileRunning(job.id!); // the second fixture worker puts the job back, takes it, and dies too
    const killedAt = Date.now();
    workers.push(recoveringWorker());
    // BullMQ's default (one stall) failed this job for good: "job stalled more than allowable limit".
    expect(await job.waitUntilFinished(events, 20_000)).toBe("recovered gen-4");
    const recovered = await queue.queue.getJob(job.id!);
    expect(recovered?.stalledCounter).toBe(2);
    expect(recovered!.processedOn! - killedAt).toBeLessThan(stalledJobRecoveryMs(1_000) + 1_000);
  });
});

describe("checkRedis", () => {
  it("turns an unreachable server into one actionable line", async () => {
    await expect(checkRedis("redis://127.0.0.1:1", 500)).rejects.toThrow(
      /^Cannot reach Redis at redis:\/\/127\.0\.0\.1:1.*REDIS_URL\.$/,
    );
  });
});
