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

/** A products/create or products/update the app accepted: the fields auto-generation reads from its body. */
export interface ProductEventJob extends ShopJob {
  topic: "products/create" | "products/update";
  product: { id: string; title: string; productType: string; status: string; readyPhotos: number };
}

/** app/uninstalled: delete the shop's data unless the shop installed the app again after `triggeredAt`. */
export interface ShopCleanupJob extends ShopJob {
  /** X-Shopify-Triggered-At of the uninstall (ISO 8601). */
  triggeredAt: string;
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
    // Shop events that need the Admin API or long deletes: queued by the webhook routes, which
    // answer Shopify at once. Not prioritized, so they go before the pipeline's prioritized jobs.
    "product-event": ProductEventJob;
    "shop-cleanup": ShopCleanupJob;
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
  publish: ["publish", "product-event", "shop-cleanup"],
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
  const payload = data as Partial<GenerationJob & CandidateJob & ProductEventJob & ShopCleanupJob> | null;
  if (!payload || typeof payload.shop !== "string" || !SHOP_DOMAIN.test(payload.shop)) {
    throw new InvalidJobError(`job ${queue}/${name} has no valid shop`);
  }
  if (name === "product-event") {
    const product = payload.product;
    if ((payload.topic !== "products/create" && payload.topic !== "products/update") || typeof product?.id !== "string" || typeof product.readyPhotos !== "number") {
      throw new InvalidJobError(`job ${queue}/${name} has no product topic and product`);
    }
    return;
  }
  if (name === "shop-cleanup") {
    if (typeof payload.triggeredAt !== "string" || Number.isNaN(Date.parse(payload.triggeredAt))) throw new InvalidJobError(`job ${queue}/${name} has no valid triggeredAt`);
    return;
  }
  const idField = "candidateId" in payload ? payload.candidateId : payload.generationId;
  if (typeof idField !== "string" || idField.length === 0) {
    throw new InvalidJobError(`job ${queue}/${name} has no generationId or candidateId`);
  }
}
