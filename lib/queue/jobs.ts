/**
 * The typed job definitions shared by the app (which enqueues) and the worker (which processes),
 * derived from the pipeline table (lib/pipeline/stages.ts).
 * Every job names its shop: workers load rows through the shop-scoped database helper only.
 */
import { PIPELINE_JOBS, QUEUE_NAMES, type PayloadKind, type PipelineJob, type QueueKey } from "../pipeline/stages";
import { isShopDomain } from "../shop-domain";
import type { GenerationLane } from "../db/enums";

export { QUEUE_NAMES, type QueueKey };

interface ShopJob {
  shop: string;
}

export interface GenerationJob extends ShopJob {
  generationId: string;
  /** "fast": the request runs without its tune stage (lib/pipeline/generation-modes.ts); absent: "tuned". */
  lane?: GenerationLane;
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

/** The studio's photo check of the photos a merchant picked (lib/dataset/check-photos.ts), with the worker's segmentation model. */
export interface PhotoCheckJob extends ShopJob {
  photos: Array<{ mediaId: string; label: string; url: string }>;
}

/** At most this many photos in one photo check (the studio lists a product's first 50 media). */
export const MAX_CHECKED_PHOTOS = 50;

/** The payload type of each payload kind of the table. */
interface Payloads {
  generation: GenerationJob;
  candidate: CandidateJob;
  "product-event": ProductEventJob;
  "shop-cleanup": ShopCleanupJob;
  "photo-check": PhotoCheckJob;
}

const nonEmptyString = (value: unknown) => typeof value === "string" && value.length > 0;

/** What each payload kind must carry besides its shop: null when it does, else what is missing. */
const PAYLOAD_PROBLEM: { [K in PayloadKind]: (payload: Partial<Payloads[K]>) => string | null } = {
  generation: (p) => (nonEmptyString(p.generationId) ? null : "no generationId"),
  candidate: (p) => (nonEmptyString(p.candidateId) ? null : "no candidateId"),
  "product-event": (p) =>
    (p.topic === "products/create" || p.topic === "products/update") &&
    nonEmptyString(p.product?.id) &&
    typeof p.product?.readyPhotos === "number"
      ? null
      : "no product topic and product",
  "shop-cleanup": (p) =>
    typeof p.triggeredAt === "string" && !Number.isNaN(Date.parse(p.triggeredAt)) ? null : "no valid triggeredAt",
  "photo-check": (p) =>
    Array.isArray(p.photos) &&
    p.photos.length > 0 &&
    p.photos.length <= MAX_CHECKED_PHOTOS &&
    p.photos.every(
      (photo: unknown) =>
        typeof photo === "object" &&
        photo !== null &&
        nonEmptyString((photo as PhotoCheckJob["photos"][number]).mediaId) &&
        typeof (photo as PhotoCheckJob["photos"][number]).label === "string" &&
        URL.canParse((photo as PhotoCheckJob["photos"][number]).url),
    )
      ? null
      : `no photos (1 to ${MAX_CHECKED_PHOTOS}, each with a mediaId, a label and a URL)`,
};

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
export function assertJobData<Q extends QueueKey>(
  queue: Q,
  name: string,
  data: unknown,
): asserts data is JobData<Q, JobName<Q>> {
  const job = PIPELINE_JOBS.find((row) => row.queue === queue && row.name === name);
  if (!job) {
    throw new InvalidJobError(`queue ${queue} has no job named "${name}"`);
  }
  const payload = data as (Partial<ShopJob> & Record<string, unknown>) | null;
  if (!payload || !isShopDomain(payload.shop)) {
    throw new InvalidJobError(`job ${queue}/${name} has no valid shop`);
  }
  const problem = (PAYLOAD_PROBLEM[job.payload] as (p: unknown) => string | null)(payload);
  if (problem) throw new InvalidJobError(`job ${queue}/${name} has ${problem}`);
}
