import type { Candidate, PrismaClient } from "../db";
import { forShop } from "../db";
import { QUEUE_NAMES } from "../queue/jobs";
import { DEFAULT_JOB_OPTIONS } from "../queue/queues";
import type { Producers } from "../queue/producer";
import { NotFoundError } from "./cancel";

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
  if (!Number.isInteger(value) || value < 1 || value > 5) throw new ReviewError(`${name} must be a whole number from 1 to 5.`);
}

/**
 * The publish chain of one approved candidate: upscale to 2048 px, then publish (idempotent job
 * ids; retried with backoff, which flow jobs do not inherit from their queue).
 */
export async function enqueuePublish(producers: Producers, shop: string, candidateId: string): Promise<void> {
  const data = { shop, candidateId };
  await clearFailedPublish(producers, candidateId);
  await producers.flows.add({
    name: "publish",
    queueName: QUEUE_NAMES.publish,
    data,
    opts: { ...DEFAULT_JOB_OPTIONS, jobId: `${candidateId}-publish`, priority: 1, failParentOnFailure: true },
    children: [{ name: "upscale", queueName: QUEUE_NAMES.post, data, opts: { ...DEFAULT_JOB_OPTIONS, jobId: `${candidateId}-upscale`, priority: 1, failParentOnFailure: true } }],
  });
}

/**
 * A chain that failed for good keeps its job ids, and adding a job under an existing id does
 * nothing: a merchant approving the image again after a failure would wait forever. The failed
 * jobs go first (publishing itself stays idempotent: it looks for the image on the product).
 */
async function clearFailedPublish(producers: Producers, candidateId: string): Promise<void> {
  for (const [queue, jobId] of [["publish", `${candidateId}-publish`], ["post", `${candidateId}-upscale`]] as const) {
    const job = await producers.queue(queue).getJob(jobId);
    if (job && (await job.isFailed())) await job.remove();
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
  const db = forShop(client, shop);
  const candidate = await db.candidate.findUnique({ where: { id: candidateId } });
  if (!candidate) throw new NotFoundError("No such image in this store.");

  const data: Partial<Candidate> = {};
  if (review.ratingSubject !== undefined) data.ratingSubject = review.ratingSubject;
  if (review.ratingScene !== undefined) data.ratingScene = review.ratingScene;
  if (review.decision === "reject") {
    if (["upscaling", "publishing", "published"].includes(candidate.state)) {
      throw new ReviewError("This image is already being published; remove it from the product's media in Shopify instead.");
    }
    data.state = "rejected";
  }
  const startPublish = review.decision === "approve" && ["pending", "rejected", "failed"].includes(candidate.state);
  if (startPublish) data.state = "approved";
  const updated = await db.candidate.update({ where: { id: candidateId }, data });
  if (startPublish) await enqueuePublish(producers, shop, candidateId);
  return updated;
}
