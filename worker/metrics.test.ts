// The worker's /metrics on real Redis: queue counts as BullMQ keeps them (prioritized apart from
// waiting) and the stage durations of jobs this worker ran.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRIC } from "../lib/metrics";
import { parseNvidiaSmi } from "../lib/metrics/gpu";
import { publishes } from "../lib/metrics/process";
import { checkRedis, createProducers, createRedisConnection, type Producers } from "../lib/queue";
import { startWorkerRuntime, type WorkerRuntime } from "./runtime";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SHOP = "metrics-shop.myshopify.com";

/** The value of the series `name` whose labels include `labels`, in a Prometheus text answer. */
function value(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    const match = line.match(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`));
    if (!match) continue;
    const have = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[2]);
  }
  return undefined;
}

describe("worker metrics", () => {
  const prefix = `test-${randomUUID()}`;
  let redis: Redis;
  let producers: Producers;
  let runtime: WorkerRuntime;

  beforeAll(async () => {
    await checkRedis(REDIS_URL);
    redis = createRedisConnection(REDIS_URL);
    producers = createProducers(redis, prefix);
    runtime = await startWorkerRuntime({
      redisUrl: REDIS_URL,
      prefix,
      queues: ["post"],
      processors: {
        post: {
          score: async () => ({ ok: true }),
          upscale: async () => {
            throw new Error("disk on fire");
          },
        },
      },
      healthPort: 0,
      log: () => {},
    });
  });
  afterAll(async () => {
    await runtime.close();
    for (const key of ["gpu", "post"] as const) await producers.queue(key).obliterate({ force: true });
    await producers.close();
    redis.disconnect();
  });

  it("exports every queue's job counts by state, prioritized apart from waiting, and stage durations by outcome", async () => {
    // Nobody consumes the gpu queue here: one plain and two prioritized jobs wait there.
    const gpu = producers.queue("gpu");
    await gpu.add("tune", { shop: SHOP, generationId: "g1" }, { jobId: "g1" });
    await gpu.add("tune", { shop: SHOP, generationId: "g2" }, { jobId: "g2", priority: 3 });
    await gpu.add("tune", { shop: SHOP, generationId: "g3" }, { jobId: "g3", priority: 5 });
    const post = producers.queue("post");
    await post.add("score", { shop: SHOP, generationId: "s1" }, { jobId: "s1" });
    await post.add("upscale", { shop: SHOP, candidateId: "u1" }, { jobId: "u1", attempts: 1 });

    const base = `http://127.0.0.1:${runtime.healthPort}`;
    let text = "";
    for (let i = 0; i < 100; i++) {
      text = await (await fetch(`${base}/metrics`)).text();
      if (value(text, `${METRIC.stageDuration}_count`, { stage: "upscale" }) === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const count = (queue: string, state: string) => value(text, METRIC.queueJobs, { queue, state });
    expect(count("gpu", "waiting")).toBe(1);
    expect(count("gpu", "prioritized")).toBe(2);
    expect(count("post-processing", "completed")).toBe(1);
    expect(count("post-processing", "failed")).toBe(1);
    expect(count("ingest", "waiting")).toBe(0);

    const runs = (stage: string, outcome: string) =>
      value(text, `${METRIC.stageDuration}_count`, { queue: "post-processing", stage, outcome, worker_queues: "post" });
    expect(runs("score", "completed")).toBe(1);
    expect(runs("upscale", "failed")).toBe(1);
    expect(runs("score", "failed")).toBeUndefined();
    expect(text).toMatch(/^scenebooth_process_resident_memory_bytes/m);
  });

  it("answers liveness and readiness apart", async () => {
    const base = `http://127.0.0.1:${runtime.healthPort}`;
    expect((await fetch(`${base}/livez`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ok: true, redis: "ok" });
  });
});

describe("a GPU worker's metrics", () => {
  const prefix = `test-${randomUUID()}`;
  let dir: string;
  let runtime: WorkerRuntime;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "nvidia-smi-"));
    // A fake nvidia-smi (no GPU here): the two-GPU answer of the real one to the worker's query.
    const fake = path.join(dir, "nvidia-smi");
    await writeFile(fake, '#!/bin/sh\nprintf "0, 40960, 81559, 87\\n1, 512, 81559, 0\\n"\n', { mode: 0o755 });
    runtime = await startWorkerRuntime({
      redisUrl: REDIS_URL,
      prefix,
      queues: ["gpu"],
      processors: { gpu: {} },
      healthPort: 0,
      log: () => {},
      nvidiaSmi: fake,
    });
  });
  afterAll(async () => {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("exports each GPU's memory and utilisation, and the process's counters", async () => {
    publishes.inc({ outcome: "published" });
    const text = await (await fetch(`http://127.0.0.1:${runtime.healthPort}/metrics`)).text();
    expect(value(text, METRIC.memoryUsed, { gpu: "0" })).toBe(40960 * 2 ** 20);
    expect(value(text, METRIC.memoryTotal, { gpu: "1" })).toBe(81559 * 2 ** 20);
    expect(value(text, METRIC.utilization, { gpu: "0" })).toBe(0.87);
    expect(value(text, METRIC.utilization, { gpu: "1" })).toBe(0);
    expect(value(text, METRIC.publishes, { outcome: "published", worker_queues: "gpu" })).toBeGreaterThanOrEqual(1);
  });

  it("reads nvidia-smi's answer and nothing else", () => {
    expect(parseNvidiaSmi("0, 100, 200, 50\nNVIDIA-SMI has failed\n")).toEqual([
      { gpu: "0", usedBytes: 100 * 2 ** 20, totalBytes: 200 * 2 ** 20, utilization: 0.5 },
    ]);
  });
});
