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
