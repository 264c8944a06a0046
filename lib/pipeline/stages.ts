import type { QueueKey } from "../queue/jobs";

/** The stages of one scene request, in order; weights turn stage progress into one percentage. */
export const PIPELINE_STAGES = [
  { name: "ingest", queue: "ingest", weight: 0.04, label: "Fetching your photos" },
  { name: "prepare", queue: "ingest", weight: 0.04, label: "Preparing photos" },
  { name: "dataset-check", queue: "ingest", weight: 0.02, label: "Checking photos" },
  { name: "tune", queue: "gpu", weight: 0.55, label: "Learning your product" },
  { name: "generate", queue: "gpu", weight: 0.27, label: "Creating scenes" },
  { name: "score", queue: "post", weight: 0.08, label: "Scoring the images" },
] as const satisfies ReadonlyArray<{ name: string; queue: QueueKey; weight: number; label: string }>;

export type PipelineStage = (typeof PIPELINE_STAGES)[number]["name"];

export function stageIndex(stage: PipelineStage): number {
  return PIPELINE_STAGES.findIndex((s) => s.name === stage);
}

/** Overall progress (0..1) when `stage` is `fraction` done. */
export function overallProgress(stage: PipelineStage, fraction: number): number {
  const index = stageIndex(stage);
  const before = PIPELINE_STAGES.slice(0, index).reduce((sum, s) => sum + s.weight, 0);
  return Math.min(1, before + PIPELINE_STAGES[index]!.weight * Math.min(1, Math.max(0, fraction)));
}

export function stageLabel(stage: string | null | undefined): string {
  return PIPELINE_STAGES.find((s) => s.name === stage)?.label ?? "Waiting";
}

/** The BullMQ job id of one stage of one generation (deterministic: re-adding is a no-op). */
export function stageJobId(generationId: string, stage: PipelineStage | "upscale" | "publish"): string {
  return `${generationId}-${stage}`;
}
