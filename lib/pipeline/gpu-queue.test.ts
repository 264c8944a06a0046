import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRedis, createRedisConnection } from "../queue/connection";
import { createProducers, type Producers } from "../queue/producer";
import { gpuJobsAhead } from "./gpu-queue";
import { stageJobId } from "./stages";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

describe("a request's place in line for a GPU", () => {
  let connection: Redis;
  let producers: Producers;

  beforeAll(async () => {
    await checkRedis(REDIS_URL);
    connection = createRedisConnection(REDIS_URL);
    producers = createProducers(connection, `test-${randomUUID()}`);
  });

  afterAll(async () => {
    await producers.queue("gpu").obliterate({ force: true });
    await producers.close();
    await connection.quit();
  });

  const add = (generationId: string, stage: "tune" | "generate", priority: number, delay = 0) =>
    producers
      .queue("gpu")
      .add(
        stage,
        { shop: "a.myshopify.com", generationId },
        { jobId: stageJobId(generationId, stage), priority, delay },
      );

  it("counts the jobs before it: lower priority numbers, then those of its priority added earlier", async () => {
    await add("bulk-1", "tune", 300_000);
    await add("bulk-2", "tune", 300_001);
    await add("studio-1", "tune", 1);
    await add("bulk-3", "generate", 300_000);
    await add("studio-2", "generate", 2);

    expect(await gpuJobsAhead(producers, "studio-1")).toBe(0);
    expect(await gpuJobsAhead(producers, "studio-2")).toBe(1);
    // Same priority: first come, first served.
    expect(await gpuJobsAhead(producers, "bulk-1")).toBe(2);
    expect(await gpuJobsAhead(producers, "bulk-3")).toBe(3);
    expect(await gpuJobsAhead(producers, "bulk-2")).toBe(4);
  });

  it("counts a job held back (delayed) from where its priority puts it, and jobs without priority first", async () => {
    await add("held", "tune", 300_000, 60_000);
    // It comes back behind both studio jobs and the two bulk jobs of its priority, before bulk-2.
    expect(await gpuJobsAhead(producers, "held")).toBe(4);
    await producers
      .queue("gpu")
      .add("tune", { shop: "b.myshopify.com", generationId: "plain" }, { jobId: "plain-tune" });
    expect(await gpuJobsAhead(producers, "studio-1")).toBe(1);
    expect(await gpuJobsAhead(producers, "plain")).toBe(0);
  });

  it("is null for a request with no GPU stage waiting (not queued yet, running, or unknown)", async () => {
    expect(await gpuJobsAhead(producers, "nobody")).toBeNull();
    const running = await add("running", "tune", 1);
    await running.remove();
    expect(await gpuJobsAhead(producers, "running")).toBeNull();
  });
});
