// The operators' queue board (Bull Board) on real Redis: only operator credentials get in (never a
// merchant's session token), read-only by default, retry and clean only when enabled.
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintSessionToken } from "../../devstore/auth";
import { ConfigError, loadQueueBoardConfig } from "../../lib/config";
import { createQueueBoard, listen, type BoardActions } from "../../lib/ops/queue-board";
import { checkRedis, createRedisConnection } from "../../lib/queue";
import { TEST_API_KEY, TEST_API_SECRET } from "../harness/stack";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PASSWORD = "correct horse battery";
const operator = { authorization: `Basic ${Buffer.from(`operator:${PASSWORD}`).toString("base64")}` };

describe("queue board", () => {
  const prefix = `test-${randomUUID()}`;
  let redis: Redis;
  let queue: Queue;
  const servers: Server[] = [];

  async function board(actions: BoardActions): Promise<string> {
    const server = createQueueBoard({ queues: [queue], user: "operator", password: PASSWORD, actions });
    servers.push(server);
    return `http://127.0.0.1:${await listen(server, 0, "127.0.0.1")}`;
  }

  beforeAll(async () => {
    await checkRedis(REDIS_URL);
    redis = createRedisConnection(REDIS_URL);
    queue = new Queue("publish", { connection: redis, prefix });
    await queue.add("publish", { shop: "a.myshopify.com", candidateId: "c1" }, { jobId: "j1", attempts: 1 });
    const worker = new Worker(
      "publish",
      async () => {
        throw new Error("Shopify said no");
      },
      { connection: createRedisConnection(REDIS_URL), prefix },
    );
    while ((await queue.getJobState("j1")) !== "failed") await new Promise((r) => setTimeout(r, 50));
    await worker.close();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  });

  it("refuses requests without operator credentials, with a wrong password, and with a merchant's session token", async () => {
    const url = await board("none");
    const sessionToken = await mintSessionToken(
      { apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET, scopes: [], appUrl: "http://localhost" },
      "a.myshopify.com",
    );
    const wrong = `Basic ${Buffer.from("operator:not the password").toString("base64")}`;
    const attempts: Record<string, string>[] = [
      {},
      { authorization: wrong },
      { authorization: `Bearer ${sessionToken}` },
    ];
    for (const headers of attempts) {
      const answer = await fetch(`${url}/api/queues`, { headers });
      expect(answer.status).toBe(401);
      expect(answer.headers.get("www-authenticate")).toContain("Basic");
    }
    const page = await fetch(`${url}/`, { headers: operator });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("SceneBooth queues");
  });

  it("is read-only by default: lists the failed job, refuses to retry or clean it", async () => {
    const url = await board("none");
    const listed = await (
      await fetch(`${url}/api/queues?activeQueue=publish&status=failed`, { headers: operator })
    ).json();
    const publish = listed.queues.find((q: { name: string }) => q.name === "publish");
    expect(publish.readOnlyMode).toBe(true);
    expect(publish.counts.failed).toBe(1);
    for (const route of ["/api/queues/publish/j1/retry", "/api/queues/publish/clean/failed"]) {
      expect((await fetch(`${url}${route}`, { method: "PUT", headers: operator })).status).toBe(403);
    }
    expect(await queue.getJobState("j1")).toBe("failed");
  });

  it("with retry-clean on, retries a job but still refuses other changes", async () => {
    const url = await board("retry-clean");
    expect((await fetch(`${url}/api/queues/publish/pause`, { method: "PUT", headers: operator })).status).toBe(403);
    expect(await queue.isPaused()).toBe(false);
    const retried = await fetch(`${url}/api/queues/publish/j1/retry`, { method: "PUT", headers: operator });
    expect(retried.status).toBeLessThan(300);
    expect(await queue.getJobState("j1")).toBe("waiting");
  });

  it("will not start without an operator password", () => {
    expect(() => loadQueueBoardConfig({})).toThrow(ConfigError);
    expect(() => loadQueueBoardConfig({ QUEUE_BOARD_PASSWORD: "short" })).toThrow(/at least 12/);
    expect(loadQueueBoardConfig({ QUEUE_BOARD_PASSWORD: PASSWORD }).actions).toBe("none");
  });
});
