import { UnrecoverableError, type Job } from "bullmq";
import { forShop, type PrismaClient, type ShopScopedClient } from "../../lib/db";
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
        if (generation) await markCancelled(db, generation);
        throw new UnrecoverableError(error.message);
      }
      if (error instanceof MerchantActionError) {
        await markFailed(db, generationId, error.message, "needs_attention");
        throw new UnrecoverableError(`${error.code}: ${error.message}`);
      }
      // An error that says it cannot succeed on a retry (a bad tuner spec, missing model weights).
      const permanent = (error as { retryable?: boolean }).retryable === false;
      if (endsRequest(error, job)) {
        ctx.log(`failed for good: ${(error as Error).stack ?? error}`);
        await markFailed(db, generationId, ourFailure(stage.name, error), "failed");
      }
      throw permanent ? new UnrecoverableError((error as Error).message) : error;
    }
  };
}

/** A request that has not ended. */
const OPEN = ["queued", "running"];

/** Our failure of a request's stage, as the merchant reads it. */
function ourFailure(stage: PipelineStage, error?: unknown): string {
  const doing = stageLabel(stage).toLowerCase();
  return error instanceof DiskFullError
    ? `Our servers ran out of disk space while ${doing}. Please try again later; if it keeps failing, contact support.`
    : `Something went wrong on our side while ${doing}. Please try again; if it keeps failing, contact support.`;
}

/** Ends an open request (and its product's state) as failed; a request already ended is left as it is. */
async function markFailed(
  db: ShopScopedClient,
  generationId: string,
  message: string,
  subjectState: "needs_attention" | "failed",
) {
  const { count } = await db.generation.updateMany({
    where: { id: generationId, status: { in: OPEN } },
    data: { status: "failed", error: message, finishedAt: new Date() },
  });
  if (count === 0) return;
  const { subjectId } = await db.generation.findUniqueOrThrow({ where: { id: generationId } });
  await db.subject.update({ where: { id: subjectId }, data: { state: subjectState, lastError: message } });
}

async function markCancelled(db: ShopScopedClient, generation: { id: string; subjectId: string }) {
  await db.generation.update({ where: { id: generation.id }, data: { status: "cancelled", finishedAt: new Date() } });
  await db.subject.update({ where: { id: generation.subjectId }, data: { state: "cancelled" } });
}

/**
 * A stage job BullMQ failed without running it (STALLED_OUT_REASON): its worker died at every run, more often than
 * the stall limit allows (killed for memory, say). The request ends as a last failed attempt ends it, at once
 * rather than at the reconciler's next pass; one whose cancellation was asked for ends cancelled.
 */
export async function endStalledOutRequest(client: PrismaClient, job: Job<GenerationJob>): Promise<void> {
  const db = forShop(client, job.data.shop);
  const generation = await db.generation.findUnique({ where: { id: job.data.generationId } });
  if (!generation || !OPEN.includes(generation.status)) return;
  if (generation.cancelRequested) await markCancelled(db, generation);
  else await markFailed(db, generation.id, ourFailure(job.name as PipelineStage), "failed");
}
