// A warmed GPU worker: not ready while its resident tuner loads the base model (the real tuner, tiny
// profile), ready once it has; the first job then loads nothing.
import { randomUUID } from "node:crypto";
import { afterAll, expect, it } from "vitest";
import { config } from "../lib/config";
import { startWorkerRuntime, type WorkerRuntime } from "./runtime";
import { closeTuners, residentTuner, tunerEnv } from "./tuner-pool";
import { warmTuner } from "./tuner-warmup";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const cfg = { ...config(), modelProfile: "tiny" as const };
let runtime: WorkerRuntime | undefined;

afterAll(async () => {
  await runtime?.close();
  await closeTuners();
});

it("is ready only once the resident tuner holds the base model", { timeout: 120_000 }, async () => {
  const ready = warmTuner(cfg);
  runtime = await startWorkerRuntime({
    redisUrl: REDIS_URL,
    prefix: `test-${randomUUID()}`,
    queues: ["gpu"],
    processors: { gpu: {} },
    healthPort: 0,
    log: () => {},
    ready,
  });
  const readyz = async () => {
    const answer = await fetch(`http://127.0.0.1:${runtime!.healthPort}/readyz`);
    return { status: answer.status, body: (await answer.json()) as { tuner: string } };
  };
  const first = await readyz();
  expect(first).toMatchObject({ status: 503, body: { tuner: "loading" } });

  let last = first;
  for (let i = 0; i < 600 && last.body.tuner === "loading"; i++) {
    await new Promise((r) => setTimeout(r, 100));
    last = await readyz();
  }
  expect(last).toMatchObject({ status: 200, body: { tuner: "ready" } });
  const stats = await residentTuner(cfg.python, tunerEnv(cfg)).stats();
  expect(stats.loads).toEqual({ vae: 1, text_encoder: 1, unet: 1 });
  expect(stats.residents).toHaveLength(1);
});
