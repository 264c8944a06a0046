import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.LOG_FORMAT = "json";
});

const { createLogger, log, redactText, withLogContext } = await import("./log");
const { checkRedis, createRedisConnection, createTypedWorker } = await import("./queue");

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ format: "json", destination }) };
}

const SESSION_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJkZXN0IjoiaHR0cHM6Ly9hLm15c2hvcGlmeS5jb20ifQ.c2lnbmF0dXJlLWJ5dGVz";

describe("the process log", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes JSON lines carrying the context of the work they belong to", () => {
    const { lines, logger } = capture();
    withLogContext({ shop: "a.myshopify.com", requestId: "gen-1" }, () =>
      withLogContext({ jobId: "tune-gen-1", stage: "tune" }, () => logger.info("training started")),
    );
    logger.info("outside");
    expect(lines[0]).toMatchObject({
      level: "info",
      msg: "training started",
      shop: "a.myshopify.com",
      requestId: "gen-1",
      jobId: "tune-gen-1",
      stage: "tune",
    });
    expect(lines[1]).not.toHaveProperty("shop");
  });

  it("never writes a token: session tokens, access tokens, bearer headers, URL passwords and credential query values", () => {
    const { lines, logger } = capture();
    logger.info({ accessToken: "shpat_0123456789abcdef", session: { refreshToken: "shprt_x" } }, "refreshed");
    logger.warn(`GET /app?shop=a.myshopify.com&id_token=${SESSION_TOKEN} took 3 s`);
    logger.error(`Authorization: Bearer ${SESSION_TOKEN}; token shpat_0123456789abcdef rejected`);
    logger.error("cannot reach postgresql://scenebooth:s3cret@db.internal:5432/app?password=other");
    const text = JSON.stringify(lines);
    for (const secret of [SESSION_TOKEN, "shpat_0123456789abcdef", "shprt_x", "s3cret", "password=other"]) {
      expect(text).not.toContain(secret);
    }
    expect(lines[0]).toMatchObject({ accessToken: "***", session: { refreshToken: "***" } });
    expect(lines[1]!.msg).toBe("GET /app?shop=a.myshopify.com&id_token=*** took 3 s");
    expect(lines[3]!.msg).toBe("cannot reach postgresql://scenebooth:***@db.internal:5432/app?password=***");
    expect(redactText("nothing secret here")).toBe("nothing secret here");
  });

  it("gives every line a stage logs the shop, request, job id and stage, through a real queue worker", async () => {
    const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
    await checkRedis(url);
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(chunk.toString());
      return true;
    });
    const prefix = `test-${randomUUID()}`;
    const connection = createRedisConnection(url);
    const queue = new Queue("gpu", { connection, prefix });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const worker = createTypedWorker(
      "gpu",
      {
        tune: async () => {
          log.info(`tuning with token shpat_${"ab".repeat(16)}`);
          done();
          return {};
        },
      },
      { connection: createRedisConnection(url), prefix },
    );
    try {
      await queue.add("tune", { shop: "b.myshopify.com", generationId: "gen-7" }, { jobId: "tune-gen-7" });
      await finished;
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
    const line = written.map((w) => JSON.parse(w)).find((l) => String(l.msg).startsWith("tuning"));
    expect(line).toMatchObject({
      shop: "b.myshopify.com",
      requestId: "gen-7",
      jobId: "tune-gen-7",
      queue: "gpu",
      stage: "tune",
      msg: "tuning with token ***",
    });
  });
});
