// Allowed values of the enum-like String columns (Prisma enums are not portable to SQLite).

export const SUBJECT_STATES = [
  "not_started",
  "checking",
  "needs_attention",
  "training",
  "generating",
  "review",
  "publishing",
  "published",
  "failed",
  "cancelled",
] as const;
export type SubjectState = (typeof SUBJECT_STATES)[number];

export const TUNING_MODES = ["full", "lora"] as const;
export type TuningMode = (typeof TUNING_MODES)[number];

/** Status of a TuningRun or a Generation. */
export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const GENERATION_SOURCES = ["interactive", "bulk", "auto"] as const;
export type GenerationSource = (typeof GENERATION_SOURCES)[number];

export const SCENE_KINDS = ["general", "specific", "custom"] as const;
export type SceneKind = (typeof SCENE_KINDS)[number];

export const CANDIDATE_STATES = [
  "pending",
  "approved",
  "rejected",
  "upscaling",
  "publishing",
  "published",
  "removed",
  "failed",
] as const;
export type CandidateState = (typeof CANDIDATE_STATES)[number];

export const USAGE_KINDS = ["gpu_seconds", "images_generated", "images_published", "tuned_product"] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];

/** How a candidate was made: the tuned model paints the whole image, or the scene is painted around the product's own pixels. */
export const GENERATION_MODES = ["tuned", "exact"] as const;
export type GenerationMode = (typeof GENERATION_MODES)[number];

/** A request's lane: "tuned" runs the tune stage; "fast" (exact product only) skips it and uses the base model. */
export const GENERATION_LANES = ["tuned", "fast"] as const;
export type GenerationLane = (typeof GENERATION_LANES)[number];
