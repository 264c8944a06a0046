import type { GenerationLane } from "../db/enums";

/** Queue names as stored in Redis. */
export const QUEUE_NAMES = {
  ingest: "ingest",
  gpu: "gpu",
  post: "post-processing",
  publish: "publish",
} as const;

export type QueueKey = keyof typeof QUEUE_NAMES;

/** Every queue, in pipeline order. */
export const QUEUE_KEYS = Object.keys(QUEUE_NAMES) as QueueKey[];

/** What a job works on besides its shop: one scene request, one approved candidate image, or a shop event. */
export type PayloadKind = "generation" | "candidate" | "product-event" | "shop-cleanup" | "photo-check";

type JobRow =
  /** A stage of a scene request; `weight` is its share of the request's progress bar. */
  | { name: string; queue: QueueKey; payload: "generation"; label: string; weight: number }
  /** Work on one approved image, after the request itself has finished. */
  | { name: string; queue: QueueKey; payload: "candidate"; label: string }
  /** Work a webhook queued so that it can answer Shopify at once (the Admin API, long deletes). */
  | { name: string; queue: QueueKey; payload: "product-event" | "shop-cleanup"; label: string }
  /** The studio's photo check, asked of the worker when only the segmentation model can judge the photos. */
  | { name: string; queue: QueueKey; payload: "photo-check"; label: string };

/**
 * The pipeline: every job, in order, with its queue, payload and merchant-facing label. Job names,
 * the queues' job maps (lib/queue/jobs.ts), the worker's processor map and the studio's stage list
 * all derive from this table, so a stage added or removed here is a type error wherever it is missing.
 */
export const PIPELINE_JOBS = [
  { name: "ingest", queue: "ingest", payload: "generation", weight: 0.04, label: "Fetching your photos" },
  { name: "prepare", queue: "ingest", payload: "generation", weight: 0.04, label: "Preparing photos" },
  { name: "dataset-check", queue: "ingest", payload: "generation", weight: 0.02, label: "Checking photos" },
  { name: "photo-check", queue: "ingest", payload: "photo-check", label: "Checking busy backgrounds" },
  { name: "tune", queue: "gpu", payload: "generation", weight: 0.55, label: "Learning your product" },
  { name: "generate", queue: "gpu", payload: "generation", weight: 0.27, label: "Creating scenes" },
  { name: "score", queue: "post", payload: "generation", weight: 0.08, label: "Scoring the images" },
  { name: "upscale", queue: "post", payload: "candidate", label: "Upscaling the image" },
  { name: "publish", queue: "publish", payload: "candidate", label: "Publishing the image" },
  // Not prioritized, so they go before the pipeline's prioritized jobs on their queue.
  { name: "product-event", queue: "publish", payload: "product-event", label: "Reading a product change" },
  { name: "shop-cleanup", queue: "publish", payload: "shop-cleanup", label: "Removing an uninstalled shop's data" },
] as const satisfies readonly JobRow[];

export type PipelineJob = (typeof PIPELINE_JOBS)[number];
export type PipelineJobName = PipelineJob["name"];
type StageRow = Extract<PipelineJob, { payload: "generation" }>;

/** The stages of one scene request, in order; weights turn stage progress into one percentage. */
export const PIPELINE_STAGES: readonly StageRow[] = PIPELINE_JOBS.filter(
  (job): job is StageRow => job.payload === "generation",
);

export type PipelineStage = StageRow["name"];

/** The stages a request in `lane` runs: the fast lane (exact product only, base model) has no tune stage. */
export function requestStages(lane: GenerationLane = "tuned"): readonly StageRow[] {
  return lane === "fast" ? PIPELINE_STAGES.filter((s) => s.name !== "tune") : PIPELINE_STAGES;
}

/** The table's row for a job. */
export function pipelineJob<N extends PipelineJobName>(name: N): Extract<PipelineJob, { name: N }> {
  return PIPELINE_JOBS.find((job): job is Extract<PipelineJob, { name: N }> => job.name === name)!;
}

export function stageIndex(stage: PipelineStage): number {
  return PIPELINE_STAGES.findIndex((s) => s.name === stage);
}

/** Overall progress (0..1) when `stage` is `fraction` done; the lane's stages share the whole bar. */
export function overallProgress(stage: PipelineStage, fraction: number, lane: GenerationLane = "tuned"): number {
  const stages = requestStages(lane);
  const index = stages.findIndex((s) => s.name === stage);
  const total = stages.reduce((sum, s) => sum + s.weight, 0);
  const before = stages.slice(0, index).reduce((sum, s) => sum + s.weight, 0);
  return Math.min(1, (before + stages[index]!.weight * Math.min(1, Math.max(0, fraction))) / total);
}

export function stageLabel(stage: string | null | undefined): string {
  return PIPELINE_STAGES.find((s) => s.name === stage)?.label ?? "Waiting";
}

/** The BullMQ job id of one stage of one generation (deterministic: re-adding is a no-op). */
export function stageJobId(generationId: string, stage: PipelineJobName): string {
  return `${generationId}-${stage}`;
}
