import type { FlowJob } from "bullmq";
import { QUEUE_NAMES, type GenerationJob, type QueueKey } from "../queue/jobs";
import { DEFAULT_JOB_OPTIONS } from "../queue/queues";
import type { GenerationLane } from "../db/enums";
import { PIPELINE_STAGES, requestStages, stageJobId, type PipelineStage } from "./stages";

/**
 * One BullMQ flow per scene request: a chain in which each stage is the parent of the one before
 * it, so a stage runs only when the previous one has finished, the last stage (score) is the
 * flow's root, and a stage that fails (after its retries) fails the whole chain above it. Flow
 * jobs do not take their queue's default options, so each stage names its retries and retention.
 * A resumed request starts `from` the stage that stopped; the stages before it are not run again.
 * A fast-lane request (exact product only) has no tune stage: its generate follows its dataset check.
 */
export function generationFlow(job: GenerationJob, priority: number, from: PipelineStage = "ingest"): FlowJob {
  const stages = requestStages(job.lane);
  let child: FlowJob | undefined;
  for (const stage of stages.slice(
    Math.max(
      0,
      stages.findIndex((s) => s.name === from),
    ),
  )) {
    const node: FlowJob = {
      name: stage.name,
      queueName: QUEUE_NAMES[stage.queue],
      data: job,
      opts: {
        ...DEFAULT_JOB_OPTIONS,
        jobId: stageJobId(job.generationId, stage.name),
        priority,
        failParentOnFailure: true,
      },
      ...(child ? { children: [child] } : {}),
    };
    child = node;
  }
  return child!;
}

/** The flow's root job (the last stage), for cancellation and state. */
export function generationRoot(generationId: string): { queue: QueueKey; jobId: string } {
  const last = PIPELINE_STAGES[PIPELINE_STAGES.length - 1]!;
  return { queue: last.queue, jobId: stageJobId(generationId, last.name) };
}

/** The flow of a stored request, with its lane (requests, resumes and the reconciler build it the same way). */
export function requestFlow(
  generation: { id: string; shop: string; priority: number; lane: string },
  from: PipelineStage = "ingest",
): FlowJob {
  const lane: GenerationLane = generation.lane === "fast" ? "fast" : "tuned";
  return generationFlow(
    { shop: generation.shop, generationId: generation.id, ...(lane === "fast" ? { lane } : {}) },
    generation.priority,
    from,
  );
}
