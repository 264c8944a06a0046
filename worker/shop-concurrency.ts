import { DelayedError } from "bullmq";
import type { JobName, Processor, ProcessorMap, QueueKey, ShopSlots } from "../lib/queue";

export interface ShopLimitOptions {
  slots: ShopSlots;
  /** How long a job whose shop has no free slot waits before it is tried again. */
  retryDelayMs: number;
}

/**
 * Wraps a queue's processors so that a shop runs at most its slots' worth of jobs at once: a job
 * whose shop is at its cap goes back to the delayed set (its priority kept, no attempt used) and
 * the worker takes the next job, usually another shop's.
 */
export function limitPerShop<Q extends QueueKey>(
  processors: ProcessorMap<Q>,
  options: ShopLimitOptions,
): ProcessorMap<Q> {
  const limited: ProcessorMap<Q> = {};
  for (const [name, processor] of Object.entries(processors) as Array<[JobName<Q>, Processor<Q, JobName<Q>>]>) {
    limited[name] = (async (job, token) => {
      const lease = await options.slots.acquire((job.data as { shop: string }).shop, job.id!);
      if (!lease) {
        const jitter = Math.floor(Math.random() * options.retryDelayMs * 0.2);
        await job.moveToDelayed(Date.now() + options.retryDelayMs + jitter, token);
        throw new DelayedError();
      }
      try {
        return await processor(job, token);
      } finally {
        await lease.release();
      }
    }) as Processor<Q, JobName<Q>>;
  }
  return limited;
}
