import { UnrecoverableError, type Job } from "bullmq";
import type { PrismaClient } from "../../lib/db";
import { forShop } from "../../lib/db";
import { PUBLISHABLE_STATES } from "../../lib/pipeline/review";
import type { CandidateJob } from "../../lib/queue/jobs";
import { MerchantActionError } from "./errors";

/**
 * A job whose image is not one of its shop's: another shop's id, or an image deleted with its product
 * (whose waiting jobs were removed with it). Nothing to do, and retrying cannot change that.
 */
export const notThisShops = (candidateId: string, shop: string) =>
  `image ${candidateId} is not one of ${shop}'s images`;

/**
 * Wraps the per-candidate stages (upscale, publish): a failure that retrying cannot fix, or the last
 * attempt's failure, marks the candidate failed with a message the merchant can act on.
 */
export function candidateProcessor<Output>(
  client: PrismaClient,
  label: string,
  process: (job: Job<CandidateJob>) => Promise<Output>,
) {
  return async (job: Job<CandidateJob>): Promise<Output> => {
    try {
      return await process(job);
    } catch (error) {
      // An error that says a retry cannot help (Shopify failed to process the image) is final too.
      const permanent = error instanceof MerchantActionError || (error as { retryable?: boolean }).retryable === false;
      const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (final)
        await markImageFailed(client, job, error instanceof MerchantActionError ? error.message : ourFailure(label));
      throw permanent ? new UnrecoverableError((error as Error).message) : error;
    }
  };
}

const ourFailure = (label: string) =>
  `Something went wrong while ${label}. Approve the image again to retry; if it keeps failing, contact support.`;

async function markImageFailed(client: PrismaClient, job: Job<CandidateJob>, message: string): Promise<void> {
  // An image the merchant rejected meanwhile stays rejected.
  await forShop(client, job.data.shop).candidate.updateMany({
    where: { id: job.data.candidateId, state: { in: PUBLISHABLE_STATES } },
    data: { state: "failed", error: message },
  });
}

/**
 * An upscale or publish job BullMQ failed without running it (STALLED_OUT_REASON): the image fails as after its
 * last failed attempt, and the merchant can approve it again.
 */
export async function endStalledOutImage(client: PrismaClient, label: string, job: Job<CandidateJob>): Promise<void> {
  await markImageFailed(client, job, ourFailure(label));
}
