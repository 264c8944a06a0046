import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { LockTimeoutError, withRedisLock } from "./redis-lock";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
afterAll(() => redis.disconnect());
const key = () => `test-lock-${randomUUID()}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("withRedisLock", () => {
  it("runs one holder at a time and releases the key afterwards", async () => {
    const k = key();
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 4 }, () =>
        withRedisLock(redis, k, { ttlMs: 5000, waitMs: 5000, pollMs: 10 }, async () => {
          most = Math.max(most, ++inside);
          await sleep(30);
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(await redis.exists(k)).toBe(0);
  });

  it("holds a value that names its holder: this host and process", async () => {
    const k = key();
    const held = await withRedisLock(redis, k, { ttlMs: 5000, waitMs: 0 }, () => redis.get(k));
    expect(held).toMatch(new RegExp(`^${hostname().replace(/\W/g, "\\$&")}:${process.pid}:[0-9a-f-]{36}$`));
  });

  it("gives up with LockTimeoutError while another holder keeps it", async () => {
    const k = key();
    await redis.set(k, "someone-else", "PX", 5000);
    await expect(
      withRedisLock(redis, k, { ttlMs: 1000, waitMs: 150, pollMs: 20 }, async () => "ran"),
    ).rejects.toBeInstanceOf(LockTimeoutError);
    expect(await redis.get(k)).toBe("someone-else");
  });

  it("a renewed lock outlasts its ttl while its holder runs, and lapses within the ttl once nobody renews it", async () => {
    const k = key();
    const options = { ttlMs: 2000, renewEveryMs: 100, waitMs: 0 };
    const long = withRedisLock(redis, k, options, () => sleep(3000));
    await sleep(2500);
    await expect(withRedisLock(redis, k, options, async () => "ran")).rejects.toBeInstanceOf(LockTimeoutError);
    await long;
    expect(await redis.exists(k)).toBe(0);
    // A holder killed mid-run renews nothing: its lock goes after ttlMs.
    await redis.set(k, "killed-holder", "PX", options.ttlMs);
    expect(await withRedisLock(redis, k, { ...options, waitMs: 4000 }, async () => "ran")).toBe("ran");
  });

  it("a holder whose lock lapsed does not release the next holder's lock", async () => {
    const k = key();
    const slow = withRedisLock(redis, k, { ttlMs: 100, waitMs: 1000 }, () => sleep(300));
    await sleep(150);
    await redis.set(k, "next-holder", "PX", 5000);
    await slow;
    expect(await redis.get(k)).toBe("next-holder");
  });
});
