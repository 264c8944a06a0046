import type { Queue } from "bullmq";
import { Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { GPU_METRIC, registerGpuMetrics } from "./gpu";
import { PROCESS_METRIC, processRegistry } from "./process";

/**
 * Metric names, in one place: the deployment's autoscaling query (deploy/) is checked against them.
 * `bullmq_job_count` has the name and labels of BullMQ's own `exportPrometheusMetrics`, so dashboards
 * made for BullMQ read it; it is one series per state, and BullMQ keeps prioritized jobs outside the
 * wait list, so "work waiting" is waiting + prioritized.
 */
export const METRIC = {
  queueJobs: "bullmq_job_count",
  stageDuration: "scenebooth_stage_duration_seconds",
  ...PROCESS_METRIC,
  ...GPU_METRIC,
} as const;

/** States read from each queue (BullMQ's getJobCounts names). */
export const QUEUE_JOB_STATES = ["waiting", "prioritized", "delayed", "active", "failed", "completed"] as const;

export type StageOutcome = "completed" | "failed";

export interface Metrics {
  registry: Registry;
  /** Records one stage run (job name on its queue) that took `seconds`. */
  observeStage(queue: string, stage: string, outcome: StageOutcome, seconds: number): void;
}

/**
 * A registry with the process's default metrics, the job counts of `queues` read at each scrape,
 * stage durations as this process observes them, the process's counters (lib/metrics/process.ts) and,
 * with `gpu`, the GPUs' memory and utilisation.
 */
export function createMetrics(
  queues: readonly Queue[],
  labels: Record<string, string> = {},
  options: { gpu?: boolean; nvidiaSmi?: string } = {},
): Metrics {
  const own = new Registry();
  if (options.gpu) registerGpuMetrics(own, options.nvidiaSmi);
  collectDefaultMetrics({ register: own, prefix: "scenebooth_" });

  new Gauge({
    name: METRIC.queueJobs,
    help: "Number of jobs in the queue by state",
    labelNames: ["queue", "state"],
    registers: [own],
    async collect() {
      this.reset();
      const counts = await Promise.all(queues.map((queue) => queue.getJobCounts(...QUEUE_JOB_STATES)));
      queues.forEach((queue, i) => {
        for (const state of QUEUE_JOB_STATES) this.set({ queue: queue.name, state }, counts[i]?.[state] ?? 0);
      });
    },
  });

  const stageDuration = new Histogram({
    name: METRIC.stageDuration,
    help: "Wall time of one stage run (one job), by queue, stage and outcome",
    labelNames: ["queue", "stage", "outcome"],
    // Stages range from a second (publish) to an hour (full fine-tuning).
    buckets: [1, 5, 15, 60, 180, 600, 1800, 3600, 7200],
    registers: [own],
  });

  const registry = Registry.merge([own, processRegistry]) as Registry;
  registry.setDefaultLabels(labels);
  return {
    registry,
    observeStage: (queue, stage, outcome, seconds) => stageDuration.observe({ queue, stage, outcome }, seconds),
  };
}
