// The per-shop GPU cap on real Redis: two worker runtimes stand for two GPU hosts.
import { randomUUID } from "node:crypto";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRedis, createRedisConnection, createProducers, ShopSlots, type Producers } from "../lib/queue";
import { startWorkerRuntime, type WorkerRuntime } from "./runtime";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const A = "shop-a.myshopify.com";
const B = "shop-b.myshopify.com";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: Redis;

beforeAll(async () => {
  await checkRedis(REDIS_URL);
  redis = createRedisConnection(REDIS_URL);
});
afterAll(() => redis.disconnect());

describe("ShopSlots", () => {
  it("gives a shop at most its slots, lets a re-run job keep its own, and frees a dead worker's slot when its lease ends", async () => {
    const slots = new ShopSlots(redis, { perShop: 1, leaseMs: 400, keyPrefix: `test-${randomUUID()}` });
    const first = await slots.acquire(A, "job-1");
    expect(first).not.toBeNull();
    expect(await slots.acquire(A, "job-2")).toBeNull();
    expect(await slots.acquire(B, "job-3")).not.toBeNull();
    // The same job, picked up again after a stall, holds the slot it had.
    const again = await slots.acquire(A, "job-1");
    expect(again).not.toBeNull();
    // Renewal keeps a running job's slot past its lease.
    await sleep(700);
    expect(await slots.holders(A)).toEqual(["job-1"]);
    // Both leases of job-1 end (a lease left renewing would take the slot back at its next renewal).
    await first!.release();
    await again!.release();
    const second = await slots.acquire(A, "job-2");
    expect(second).not.toBeNull();
    await second!.release();

    // A worker that died holding a slot renews nothing: the slot frees once the lease ends.
    const keyPrefix = `test-${randomUUID()}`;
    const dead = new ShopSlots(redis, { perShop: 1, leaseMs: 300, keyPrefix });
    const takeSlotFor300Ms =
      "local t = redis.call('TIME'); redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + 300, 'dead-job')";
    await redis.eval(takeSlotFor300Ms, 1, `${keyPrefix}:shop-slots:${A}`);
    expect(await dead.acquire(A, "job-4")).toBeNull();
    await sleep(450);
    const freed = await dead.acquire(A, "job-4");
    expect(freed).not.toBeNull();
    await freed!.release();
  });
});

describe("a per-shop cap on the gpu queue across two workers", () => {
  const prefix = `test-${randomUUID()}`;
  let producers: Producers;
  const runtimes: WorkerRuntime[] = [];
  const running = new Map<string, number>();
  const maxRunning = new Map<string, number>();
  const spans: Array<{ shop: string; id: string; start: number; end: number }> = [];

  async function tune(job: Job<{ shop: string; generationId: string }>) {
    const { shop } = job.data;
    running.set(shop, (running.get(shop) ?? 0) + 1);
    maxRunning.set(shop, Math.max(maxRunning.get(shop) ?? 0, running.get(shop)!));
    const start = Date.now();
    await sleep(400);
    running.set(shop, running.get(shop)! - 1);
    spans.push({ shop, id: job.data.generationId, start, end: Date.now() });
    return { ok: true };
  }

  beforeAll(async () => {
    producers = createProducers(redis, prefix);
    for (let i = 0; i < 2; i++) {
      runtimes.push(
        await startWorkerRuntime({
          redisUrl: REDIS_URL,
          prefix,
          queues: ["gpu"],
          processors: { gpu: { tune } },
          healthPort: 0,
          perShopLimits: { gpu: 1 },
          perShopRetryMs: 100,
          log: () => {},
        }),
      );
    }
  });
  afterAll(async () => {
    await Promise.all(runtimes.map((r) => r.close()));
    await producers.queue("gpu").obliterate({ force: true });
    await producers.close();
  });

  it("runs one shop's jobs one at a time while the other GPU serves the other shop, and loses none", async () => {
    const gpu = producers.queue("gpu");
    for (const n of [1, 2, 3])
      await gpu.add("tune", { shop: A, generationId: `a${n}` }, { jobId: `a${n}`, priority: n });
    await gpu.add("tune", { shop: B, generationId: "b1" }, { jobId: "b1", priority: 4 });

    const deadline = Date.now() + 20_000;
    while (spans.length < 4 && Date.now() < deadline) await sleep(100);
    expect(spans.map((s) => s.id).sort()).toEqual(["a1", "a2", "a3", "b1"]);
    expect(maxRunning.get(A)).toBe(1);
    // Shop B did not wait for shop A's queue: its job ran while A's were still going.
    const b = spans.find((s) => s.id === "b1")!;
    const lastA = Math.max(...spans.filter((s) => s.shop === A).map((s) => s.end));
    expect(b.end).toBeLessThan(lastA);
    for (const id of ["a1", "a2", "a3", "b1"]) {
      const job = await gpu.getJob(id);
      expect(await job!.getState()).toBe("completed");
      expect(job!.attemptsMade).toBe(1);
    }
  });
});
