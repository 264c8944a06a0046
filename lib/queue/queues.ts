import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions, type WorkerOptions } from "bullmq";
import type { Redis } from "ioredis";
import { withLogContext } from "../log";
import { queueTelemetry } from "../telemetry";
import { InvalidJobError, QUEUE_NAMES, assertJobData, type JobData, type JobName, type QueueKey } from "./jobs";

export const DEFAULT_PREFIX = "scenebooth";

/** Retries with exponential backoff; finished jobs are kept a while for the UI and for audits. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { age: 24 * 3600, count: 5_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * How a worker holds its jobs: a lock of `lockMs`, renewed every half of it, and a check every
 * `lockMs` (one at a time across all workers) that puts active jobs whose lock is gone back in their
 * queue: their worker died, or its event loop stood still past the lock on a loaded host. A job is put
 * back as often as a failing one is retried (attempts − 1): a lock that lapsed under load and then a
 * worker killed mid-job are two stalls of one sound job (BullMQ's default of one failed it for good,
 * and its request was left running until the reconciler's next pass), while a job that kills its
 * worker every time still ends.
 */
export function workerLockOptions(
  lockMs: number,
): Required<Pick<WorkerOptions, "lockDuration" | "stalledInterval" | "maxStalledCount">> {
  return { lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: (DEFAULT_JOB_OPTIONS.attempts ?? 1) - 1 };
}

/**
 * The reason BullMQ gives a job it failed for stalling more than `maxStalledCount` times. Such a job is failed by
 * the next worker that takes it, without running its processor: what a last failed attempt would have done to
 * its request or image is left to the worker's "failed" listener (worker/runtime.ts).
 */
export const STALLED_OUT_REASON = "job stalled more than allowable limit";

export const isStalledOut = (error: Error | undefined) => error?.message === STALLED_OUT_REASON;

/**
 * The longest a job stays active after its worker died, once another worker runs: its lock expires
 * (within a lock duration of its last renewal), then one check marks it as possibly stalled and the
 * next moves it back to its queue, where an idle worker takes it at once.
 */
export function stalledJobRecoveryMs(lockMs: number): number {
  const { lockDuration, stalledInterval } = workerLockOptions(lockMs);
  return lockDuration + 2 * stalledInterval;
}

export interface QueueContext {
  connection: Redis;
  prefix?: string;
}

export class TypedQueue<Q extends QueueKey> {
  readonly queue: Queue;

  constructor(
    readonly key: Q,
    context: QueueContext,
  ) {
    this.queue = new Queue(QUEUE_NAMES[key], {
      connection: context.connection,
      prefix: context.prefix ?? DEFAULT_PREFIX,
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
      telemetry: queueTelemetry,
    });
  }

  add<N extends JobName<Q>>(name: N, data: JobData<Q, N>, options?: JobsOptions): Promise<Job<JobData<Q, N>>> {
    return this.queue.add(name, data, options) as Promise<Job<JobData<Q, N>>>;
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

/** `token` is the worker's lock token, which e.g. job.moveToDelayed needs. */
export type Processor<Q extends QueueKey, N extends JobName<Q>> = (
  job: Job<JobData<Q, N>>,
  token?: string,
) => Promise<unknown>;
export type ProcessorMap<Q extends QueueKey> = { [N in JobName<Q>]?: Processor<Q, N> };
/** A processor for every job of every queue of the pipeline table: a job without one is a type error. */
export type PipelineProcessors = { [Q in QueueKey]: { [N in JobName<Q>]-?: Processor<Q, N> } };

export class UnknownJobError extends Error {
  override name = "UnknownJobError";
}

/** A BullMQ worker that validates each payload and dispatches on the job name. */
export function createTypedWorker<Q extends QueueKey>(
  key: Q,
  processors: ProcessorMap<Q>,
  context: QueueContext,
  options: Omit<WorkerOptions, "connection" | "prefix"> = {},
): Worker {
  return new Worker(
    QUEUE_NAMES[key],
    async (job: Job, token?: string) => {
      const processor = processors[job.name as JobName<Q>] as Processor<Q, JobName<Q>> | undefined;
      try {
        assertJobData(key, job.name, job.data);
        if (!processor) throw new UnknownJobError(`this worker has no processor for ${key}/${job.name}`);
      } catch (error) {
        // A malformed job fails the same way on every attempt: do not retry it.
        if (error instanceof InvalidJobError || error instanceof UnknownJobError) {
          throw new UnrecoverableError(error.message);
        }
        throw error;
      }
      const data = job.data as { shop?: string; generationId?: string };
      return withLogContext(
        { shop: data.shop, requestId: data.generationId, jobId: job.id, queue: job.queueName, stage: job.name },
        () => processor(job as Job<JobData<Q, JobName<Q>>>, token),
      );
    },
    { connection: context.connection, prefix: context.prefix ?? DEFAULT_PREFIX, telemetry: queueTelemetry, ...options },
  );
}
