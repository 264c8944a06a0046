/**
 * The typed job definitions shared by the app (which enqueues) and the worker (which processes),
 * derived from the pipeline table (lib/pipeline/stages.ts).
 * Every job names its shop: workers load rows through the shop-scoped database helper only.
 */
import { PIPELINE_JOBS, QUEUE_NAMES, type PayloadKind, type PipelineJob, type QueueKey } from "../pipeline/stages";
import { isShopDomain } from "../shop-domain";

export { QUEUE_NAMES, type QueueKey };

interface ShopJob {
  shop: string;
}

export interface GenerationJob extends ShopJob {
  generationId: string;
}

export interface CandidateJob extends ShopJob {
  candidateId: string;
}

/** The payload type of each payload kind of the table. */
interface Payloads {
  generation: GenerationJob;
  candidate: CandidateJob;
}

/** The payload's id field of each payload kind. */
const ID_FIELD = { generation: "generationId", candidate: "candidateId" } as const satisfies { [K in PayloadKind]: keyof Payloads[K] };

type JobsOf<Q extends QueueKey> = Extract<PipelineJob, { queue: Q }>;

/** queue → job name → payload. */
export type JobMap = { [Q in QueueKey]: { [J in JobsOf<Q> as J["name"]]: Payloads[J["payload"]] } };

export type JobName<Q extends QueueKey> = keyof JobMap[Q] & string;
export type JobData<Q extends QueueKey, N extends JobName<Q>> = JobMap[Q][N];

/** Interactive work (a merchant waiting in the studio) goes before bulk and automatic work. */
export const PRIORITY = { interactive: 1, bulk: 5, auto: 10 } as const;
export type JobSource = keyof typeof PRIORITY;

export class InvalidJobError extends Error {
  override name = "InvalidJobError";
}

/** Checks a payload read back from Redis before a processor trusts it. */
export function assertJobData<Q extends QueueKey>(queue: Q, name: string, data: unknown): asserts data is JobData<Q, JobName<Q>> {
  const job = PIPELINE_JOBS.find((row) => row.queue === queue && row.name === name);
  if (!job) {
    throw new InvalidJobError(`queue ${queue} has no job named "${name}"`);
  }
  const payload = data as Partial<GenerationJob & CandidateJob> | null;
  if (!payload || !isShopDomain(payload.shop)) {
    throw new InvalidJobError(`job ${queue}/${name} has no valid shop`);
  }
  const id = payload[ID_FIELD[job.payload]];
  if (typeof id !== "string" || id.length === 0) {
    throw new InvalidJobError(`job ${queue}/${name} has no ${ID_FIELD[job.payload]}`);
  }
}
