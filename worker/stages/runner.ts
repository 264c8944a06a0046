import { UnrecoverableError, type Job } from "bullmq";
import type { PrismaClient } from "../../lib/db";
import { stageLabel, type PipelineStage } from "../../lib/pipeline/stages";
import type { GenerationJob } from "../../lib/queue/jobs";
import type { BlobStore } from "../../lib/storage";
import { createStageContext, type StageContext } from "./context";
import { asDiskFull, CancelledError, DiskFullError, MerchantActionError } from "./errors";

export interface StageDefinition<Output> {
  name: PipelineStage;
  run(ctx: StageContext): Promise<Output>;
}

export interface StageDeps {
  client: PrismaClient;
  store: BlobStore;
  log?: (line: string) => void;
}

/** Whether `error`, thrown by a stage of this job, ends its request (cancelled, the merchant's to fix, or no try left). */
export function endsRequest(error: unknown, job: Job<GenerationJob>): boolean {
  if (error instanceof CancelledError || error instanceof MerchantActionError) return true;
  return (error as { retryable?: boolean }).retryable === false || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * Wraps a stage as a BullMQ processor: marks the request running, honours cancellation, and
 * sorts failures into cancelled, the merchant's to fix (no retry), and transient (retried with
 * backoff; after the last attempt reported as our failure).
 */
export function stageProcessor<Output>(stage: StageDefinition<Output>, deps: StageDeps) {
  return async (job: Job<GenerationJob>): Promise<Output> => {
    const ctx = createStageContext(stage.name, job, deps);
    const { db, generationId } = ctx;
    try {
      await ctx.checkCancelled();
      await db.generation.update({
        where: { id: generationId },
        data: {
          status: "running",
          stage: stage.name,
          error: null,
          ...(stage.name === "ingest" ? { startedAt: new Date() } : {}),
        },
      });
      const output = await stage.run(ctx);
      await ctx.progress(1);
      return output;
    } catch (thrown) {
      const error = asDiskFull(thrown) ?? thrown;
      if (error instanceof CancelledError) {
        // The request may be gone altogether (the shop uninstalled the app).
        const generation = await db.generation.findUnique({ where: { id: generationId } });
        if (generation) {
          await db.generation.update({
            where: { id: generationId },
            data: { status: "cancelled", finishedAt: new Date() },
          });
          await db.subject.update({ where: { id: generation.subjectId }, data: { state: "cancelled" } });
        }
        throw new UnrecoverableError(error.message);
      }
      if (error instanceof MerchantActionError) {
        await markFailed(ctx, error.message, "needs_attention");
        throw new UnrecoverableError(`${error.code}: ${error.message}`);
      }
      // An error that says it cannot succeed on a retry (a bad tuner spec, missing model weights).
      const permanent = (error as { retryable?: boolean }).retryable === false;
      if (endsRequest(error, job)) {
        ctx.log(`failed for good: ${(error as Error).stack ?? error}`);
        const doing = stageLabel(stage.name).toLowerCase();
        await markFailed(
          ctx,
          error instanceof DiskFullError
            ? `Our servers ran out of disk space while ${doing}. Please try again later; if it keeps failing, contact support.`
            : `Something went wrong on our side while ${doing}. Please try again; if it keeps failing, contact support.`,
          "failed",
        );
      }
      throw permanent ? new UnrecoverableError((error as Error).message) : error;
    }
  };
}

async function markFailed(ctx: StageContext, message: string, subjectState: "needs_attention" | "failed") {
  const generation = await ctx.db.generation.update({
    where: { id: ctx.generationId },
    data: { status: "failed", error: message, finishedAt: new Date() },
  });
  await ctx.db.subject.update({
    where: { id: generation.subjectId },
    data: { state: subjectState, lastError: message },
  });
}
