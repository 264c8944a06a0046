/**
 * The typed job definitions shared by the app (which enqueues) and the worker (which processes).
 * Every job names its shop: workers load rows through the shop-scoped database helper only.
 */

/** Queue names as stored in Redis. */
export const QUEUE_NAMES = {
  ingest: "ingest",
  gpu: "gpu",
  post: "post-processing",
  publish: "publish",
} as const;

export type QueueKey = keyof typeof QUEUE_NAMES;

interface ShopJob {
  shop: string;
}

export interface GenerationJob extends ShopJob {
  generationId: string;
}

export interface CandidateJob extends ShopJob {
  candidateId: string;
}

/** queue → job name → payload. */
export interface JobMap {
  ingest: {
    ingest: GenerationJob;
    prepare: GenerationJob;
    "dataset-check": GenerationJob;
  };
  gpu: {
    tune: GenerationJob;
    generate: GenerationJob;
  };
  post: {
    score: GenerationJob;
    upscale: CandidateJob;
  };
  publish: {
    publish: CandidateJob;
  };
}

export type JobName<Q extends QueueKey> = keyof JobMap[Q] & string;
export type JobData<Q extends QueueKey, N extends JobName<Q>> = JobMap[Q][N];

/** Interactive work (a merchant waiting in the studio) goes before bulk and automatic work. */
export const PRIORITY = { interactive: 1, bulk: 5, auto: 10 } as const;
export type JobSource = keyof typeof PRIORITY;

export const JOB_NAMES: { [Q in QueueKey]: readonly JobName<Q>[] } = {
  ingest: ["ingest", "prepare", "dataset-check"],
  gpu: ["tune", "generate"],
  post: ["score", "upscale"],
  publish: ["publish"],
};

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

export class InvalidJobError extends Error {
  override name = "InvalidJobError";
}

/** Checks a payload read back from Redis before a processor trusts it. */
export function assertJobData<Q extends QueueKey>(queue: Q, name: string, data: unknown): asserts data is JobData<Q, JobName<Q>> {
  if (!(JOB_NAMES[queue] as readonly string[]).includes(name)) {
    throw new InvalidJobError(`queue ${queue} has no job named "${name}"`);
  }
  const payload = data as Partial<GenerationJob & CandidateJob> | null;
  if (!payload || typeof payload.shop !== "string" || !SHOP_DOMAIN.test(payload.shop)) {
    throw new InvalidJobError(`job ${queue}/${name} has no valid shop`);
  }
  const idField = "candidateId" in payload ? payload.candidateId : payload.generationId;
  if (typeof idField !== "string" || idField.length === 0) {
    throw new InvalidJobError(`job ${queue}/${name} has no generationId or candidateId`);
  }
}
