import { describe, expect, it } from "vitest";
import { cachedHealthCheck } from "./cached-check";

describe("cachedHealthCheck", () => {
  it("runs each probe once per ttl, however many callers ask", async () => {
    let clock = 0;
    let calls = 0;
    const check = cachedHealthCheck({ db: async () => void calls++ }, { ttlMs: 5000, now: () => clock });
    await Promise.all(Array.from({ length: 20 }, () => check()));
    expect(calls).toBe(1);
    clock = 4999;
    await check();
    expect(calls).toBe(1);
    clock = 5000;
    expect(await check()).toEqual({ ok: true, checks: { db: "ok" } });
    expect(calls).toBe(2);
  });

  it("reports a failing or hanging probe as down with its reason", async () => {
    const check = cachedHealthCheck(
      { db: async () => {}, redis: () => Promise.reject(new Error("ECONNREFUSED")), s3: () => new Promise(() => {}) },
      { timeoutMs: 50 },
    );
    expect(await check()).toEqual({
      ok: false,
      checks: { db: "ok", redis: "ECONNREFUSED", s3: "no answer within 50 ms" },
    });
  });

  it("checks again after the ttl, so a recovered dependency reads as up", async () => {
    let clock = 0;
    let up = false;
    const check = cachedHealthCheck(
      {
        redis: async () => {
          if (!up) throw new Error("down");
        },
      },
      { ttlMs: 1000, now: () => clock },
    );
    expect((await check()).ok).toBe(false);
    up = true;
    clock = 1000;
    expect((await check()).ok).toBe(true);
  });
});
