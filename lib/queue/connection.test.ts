import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../tests/harness/free-port";
import { checkRedis, createProducerConnection, isRedisUnavailable } from "./connection";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const opened: Redis[] = [];
afterAll(() => opened.forEach((c) => c.disconnect()));

describe("createProducerConnection", () => {
  it("fails a command with an 'unavailable' error instead of waiting while Redis does not answer", async () => {
    const nowhere = createProducerConnection(`redis://127.0.0.1:${await freePort()}`, 500);
    opened.push(nowhere);
    const error = await nowhere.ping().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeNull();
    expect(isRedisUnavailable(error)).toBe(true);
  });

  it("works as usual while Redis answers, and a command's own error is not taken for an outage", async () => {
    await checkRedis(REDIS_URL);
    const connection = createProducerConnection(REDIS_URL);
    opened.push(connection);
    expect(await connection.ping()).toBe("PONG");
    const key = `connection-test-${process.pid}-${Date.now()}`;
    await connection.set(key, "a string");
    const wrongType = await connection.lpush(key, "x").catch((e: unknown) => e);
    await connection.del(key);
    expect(wrongType).toBeInstanceOf(Error);
    expect(isRedisUnavailable(wrongType)).toBe(false);
  });
});
