import type { Candidate, PrismaClient } from "../db";
import { forShop } from "../db";
import { QUEUE_NAMES } from "../queue/jobs";
import { DEFAULT_JOB_OPTIONS } from "../queue/queues";
import type { Producers } from "../queue/producer";
import { NotFoundError } from "./cancel";
import { APPROVABLE_STATES, REJECTABLE_STATES } from "./review-states";
import { traced } from "../telemetry";

export { APPROVABLE_STATES, PUBLISHABLE_STATES, REJECTABLE_STATES } from "./review-states";

export class ReviewError extends Error {
  override name = "ReviewError";
}

export interface CandidateReview {
  decision?: "approve" | "reject";
  /** 1–5: how faithful the product looks. */
  ratingSubject?: number | null;
  /** 1–5: how well the scene matches. */
  ratingScene?: number | null;
}

function checkRating(name: string, value: number | null | undefined): void {
  if (value === undefined || value === null) return;
  if (!Number.isInteger(value) || value < 1 || value > 5)
    throw new ReviewError(`${name} must be a whole number from 1 to 5.`);
}

/** The fixed job ids of an image's chain: adding it again is a no-op, and rejecting finds it. */
export function publishChainJobIds(candidateId: string): { publish: string; upscale: string } {
  return { publish: `${candidateId}-publish`, upscale: `${candidateId}-upscale` };
}

/**
 * The publish chain of one approved candidate: upscale to 2048 px, then publish (idempotent job
 * ids; retried with backoff, which flow jobs do not inherit from their queue).
 */
export async function enqueuePublish(producers: Producers, shop: string, candidateId: string): Promise<void> {
  const data = { shop, candidateId };
  const ids = publishChainJobIds(candidateId);
  await clearFinishedPublish(producers, candidateId);
  await traced("queue publishing", { shop, candidateId }, () =>
    producers.flows.add({
      name: "publish",
      queueName: QUEUE_NAMES.publish,
      data,
      opts: { ...DEFAULT_JOB_OPTIONS, jobId: ids.publish, priority: 1, failParentOnFailure: true },
      children: [
        {
          name: "upscale",
          queueName: QUEUE_NAMES.post,
          data,
          opts: { ...DEFAULT_JOB_OPTIONS, jobId: ids.upscale, priority: 1, failParentOnFailure: true },
        },
      ],
    }),
  );
}

/**
 * A chain that ended (failed for good, or stopped because the image was rejected) keeps its job
 * ids, and adding a job under an existing id does nothing: a merchant approving the image again
 * would wait forever. The finished jobs go first (publishing itself stays idempotent: it looks for
 * the image on the product). A chain still waiting or running is kept and goes on.
 */
async function clearFinishedPublish(producers: Producers, candidateId: string): Promise<void> {
  const ids = publishChainJobIds(candidateId);
  for (const [queue, jobId] of [
    ["publish", ids.publish],
    ["post", ids.upscale],
  ] as const) {
    const job = await producers.queue(queue).getJob(jobId);
    if (job && ((await job.isFailed()) || (await job.isCompleted())))
      await job.remove({ removeChildren: true }).catch(() => undefined);
  }
}

/**
 * Removes the image's chain if no worker holds one of its jobs; a job being run stays (BullMQ
 * refuses to remove a locked job) and stops on the image's state. Returns whether it is gone.
 */
export async function removePublishChain(producers: Producers, candidateId: string): Promise<boolean> {
  const ids = publishChainJobIds(candidateId);
  const removed = await producers.queue("publish").remove(ids.publish, { removeChildren: true });
  if (removed === 0) return false;
  // An upscale job without its parent (the parent's removal took it too, unless it ended alone).
  return (await producers.queue("post").remove(ids.upscale)) === 1;
}

/**
 * Moves the image from one of `from` to `to` in one conditional update: two tabs (or a tab and the
 * worker) racing on the same image cannot both win. Returns whether this call made the change.
 */
export async function transitionCandidate(
  client: PrismaClient,
  shop: string,
  candidateId: string,
  from: readonly string[],
  to: string,
  data: Partial<Candidate> = {},
): Promise<boolean> {
  const { count } = await forShop(client, shop).candidate.updateMany({
    where: { id: candidateId, state: { in: [...from] } },
    data: { ...data, state: to },
  });
  return count === 1;
}

/**
 * Approve: the image goes to "approved" and its chain is queued. Reject: the image goes to
 * "rejected" and its chain is removed. Each side re-reads the state after touching the queue: a
 * reject and an approve that raced (two tabs) both end with what the last state change asks for —
 * an approved image with its chain, a rejected one without.
 */
export async function settleChain(
  client: PrismaClient,
  producers: Producers,
  shop: string,
  candidateId: string,
): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const current = await forShop(client, shop).candidate.findUnique({
      where: { id: candidateId },
      select: { state: true },
    });
    if (!current) return;
    if (current.state === "approved") await enqueuePublish(producers, shop, candidateId);
    else if (current.state === "rejected") await removePublishChain(producers, candidateId);
    else return;
    const after = await forShop(client, shop).candidate.findUnique({
      where: { id: candidateId },
      select: { state: true },
    });
    if (!after || after.state === current.state) return;
  }
}

/** Approve, reject and/or rate one candidate; approving starts its upscale → publish chain once. */
export async function reviewCandidate(
  client: PrismaClient,
  producers: Producers,
  shop: string,
  candidateId: string,
  review: CandidateReview,
): Promise<Candidate> {
  checkRating("The product rating", review.ratingSubject);
  checkRating("The scene rating", review.ratingScene);
  // A decision moves the image's chain: with Redis down it is refused before the state changes.
  if (review.decision) await producers.ping();
  const db = forShop(client, shop);
  const candidate = await db.candidate.findUnique({ where: { id: candidateId } });
  if (!candidate) throw new NotFoundError("No such image in this store.");

  const ratings: Partial<Candidate> = {};
  if (review.ratingSubject !== undefined) ratings.ratingSubject = review.ratingSubject;
  if (review.ratingScene !== undefined) ratings.ratingScene = review.ratingScene;
  if (Object.keys(ratings).length > 0) await db.candidate.updateMany({ where: { id: candidateId }, data: ratings });

  if (review.decision === "reject") {
    const changed = await transitionCandidate(client, shop, candidateId, REJECTABLE_STATES, "rejected", {
      error: null,
    });
    if (!changed) {
      const now = await db.candidate.findUniqueOrThrow({ where: { id: candidateId } });
      if (now.state !== "rejected")
        throw new ReviewError(
          "This image is already being published; remove it from the product's media in Shopify instead.",
        );
    }
    await settleChain(client, producers, shop, candidateId);
  } else if (review.decision === "approve") {
    // An image approved (or further along) already is left as it is: approving twice is one approval.
    if (await transitionCandidate(client, shop, candidateId, APPROVABLE_STATES, "approved", { error: null }))
      await settleChain(client, producers, shop, candidateId);
  }
  return db.candidate.findUniqueOrThrow({ where: { id: candidateId } });
}
