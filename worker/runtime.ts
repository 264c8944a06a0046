import { Queue, type Job, type Worker } from "bullmq";
import type { Redis } from "ioredis";
import {
  createRedisConnection,
  createTypedWorker,
  DEFAULT_PREFIX,
  isStalledOut,
  QUEUE_NAMES,
  ShopSlots,
  type ProcessorMap,
  type QueueKey,
  workerLockOptions,
} from "../lib/queue";
import { log as logger } from "../lib/log";
import { createMetrics, type StageOutcome } from "../lib/metrics";
import { QUEUE_KEYS } from "../lib/pipeline/stages";
import { startHealthServer } from "./health-server";
import { limitPerShop } from "./shop-concurrency";

export type StageProcessors = { [Q in QueueKey]?: ProcessorMap<Q> };

export interface WorkerRuntimeOptions {
  redisUrl: string;
  prefix?: string;
  queues: readonly QueueKey[];
  processors: StageProcessors;
  /** Jobs run at once per queue; the gpu queue always runs one (one job per GPU). */
  concurrency?: number;
  healthPort: number;
  /** Address the health server binds (default 127.0.0.1). */
  healthHost?: string;
  /** Lock duration and stalled-job check interval (BullMQ's defaults are 30 s). */
  lockMs?: number;
  /** Jobs of one shop running at once across all workers, per queue (e.g. { gpu: 2 }); unlimited when absent. */
  perShopLimits?: Partial<Record<QueueKey, number>>;
  /** How long a job over its shop's limit waits before it is tried again (default 5 s). */
  perShopRetryMs?: number;
  log?: (line: string) => void;
  /** The nvidia-smi a GPU worker reads GPU memory and utilisation from (default: the one on PATH). */
  nvidiaSmi?: string;
  /** More of readiness (GET /readyz): e.g. a GPU worker's resident model process loaded. */
  ready?: () => { ok: boolean; [detail: string]: unknown };
  /** What a job's last failed attempt does, for a job BullMQ failed without running it (STALLED_OUT_REASON). */
  onStalledOut?: (job: Job) => Promise<void>;
}

export interface WorkerRuntime {
  /** Port of /livez, /readyz (= /healthz) and /metrics. */
  healthPort: number;
  /** Stops taking jobs and waits for the running ones to finish. */
  close(): Promise<void>;
}

export async function startWorkerRuntime(options: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const log = options.log ?? ((line) => logger.info(line));
  const connection: Redis = createRedisConnection(options.redisUrl);
  let closing = false;

  const lockMs = options.lockMs ?? 30_000;

  function processorsFor<Q extends QueueKey>(queue: Q): ProcessorMap<Q> {
    const processors = (options.processors[queue] ?? {}) as ProcessorMap<Q>;
    const perShop = options.perShopLimits?.[queue];
    if (!perShop) return processors;
    // A dead worker's slot frees after two lock durations; a stalled job is re-run after one.
    const slots = new ShopSlots(connection, {
      perShop,
      leaseMs: 2 * lockMs,
      keyPrefix: `${options.prefix ?? DEFAULT_PREFIX}:${QUEUE_NAMES[queue]}`,
    });
    return limitPerShop(processors, { slots, retryDelayMs: options.perShopRetryMs ?? 5_000 });
  }

  // Every worker reports every queue's counts (the autoscaler needs them while no GPU worker runs);
  // the deployment's query takes the max over workers.
  const countedQueues = QUEUE_KEYS.map(
    (key) => new Queue(QUEUE_NAMES[key], { connection, prefix: options.prefix ?? DEFAULT_PREFIX }),
  );
  const metrics = createMetrics(
    countedQueues,
    { worker_queues: options.queues.join(",") },
    { gpu: options.queues.includes("gpu"), nvidiaSmi: options.nvidiaSmi },
  );
  const observe = (queue: QueueKey, job: Job | undefined, outcome: StageOutcome) => {
    if (job?.processedOn && job.finishedOn) {
      metrics.observeStage(QUEUE_NAMES[queue], job.name, outcome, (job.finishedOn - job.processedOn) / 1000);
    }
  };

  const workers: Worker[] = options.queues.map((queue) => {
    const worker = createTypedWorker(
      queue,
      processorsFor(queue),
      {
        connection,
        prefix: options.prefix,
      },
      {
        concurrency: queue === "gpu" ? 1 : (options.concurrency ?? 2),
        ...workerLockOptions(lockMs),
      },
    );
    worker.on("completed", (job) => observe(queue, job, "completed"));
    worker.on("failed", (job, error) => {
      observe(queue, job, "failed");
      log(`[${queue}] ${job?.name ?? "?"} ${job?.id ?? ""} failed: ${error.message}`);
      if (job && isStalledOut(error) && options.onStalledOut) {
        options
          .onStalledOut(job)
          .catch((e: Error) =>
            log(`[${queue}] ${job.name} ${job.id}: ending its work after the stalls failed: ${e.message}`),
          );
      }
    });
    worker.on("error", (error) => log(`[${queue}] worker error: ${error.message}`));
    return worker;
  });

  const health = await startHealthServer(
    options.healthPort,
    options.healthHost ?? "127.0.0.1",
    async () => {
      const redis = await connection.ping().then(
        () => "ok",
        (error: Error) => `down: ${error.message}`,
      );
      const queues = Object.fromEntries(workers.map((w) => [w.name, { running: w.isRunning(), paused: w.isPaused() }]));
      const extra = options.ready?.() ?? { ok: true };
      return {
        ...extra,
        ok: !closing && redis === "ok" && workers.every((w) => w.isRunning()) && extra.ok,
        redis,
        queues,
        closing,
      };
    },
    metrics.registry,
  );
  log(
    `worker: consuming ${options.queues.join(", ")}; health and metrics on http://${options.healthHost ?? "127.0.0.1"}:${health.port} (/livez, /readyz, /metrics)`,
  );

  return {
    healthPort: health.port,
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => w.close()));
      await new Promise((resolve) => health.close(resolve));
      await Promise.all(countedQueues.map((q) => q.close()));
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
