// After publishing: the merchant removes a published image from its product, makes it the featured
// image, or publishes a removed one again. Only media SceneBooth published (Candidate.publishedMediaId)
// are touched. Each action is idempotent: Shopify is asked first (fileUpdate and a reorder to the first
// position leave the same state when repeated), then the image's row moves in one conditional update,
// so a retry after a lost answer or a second tab ends in the same state.
import type { PrismaClient } from "../db";
import { forShop } from "../db";
import type { Producers } from "../queue/producer";
import { detachProductMedia, makeFeaturedMedia, type AdminClient, type FeatureOptions } from "../shopify-admin";
import { CANDIDATE_STATE_LABELS, isCandidateState } from "../state-labels";
import { NotFoundError } from "./cancel";
import { settleChain, transitionCandidate } from "./review";

/** The merchant asked for something the image's state does not allow; the message says why. */
export class PublishedMediaError extends Error {
  override name = "PublishedMediaError";
}

/** Why an image left its product when the merchant removed it in Shopify rather than in SceneBooth. */
export const GONE_IN_SHOPIFY = "Deleted in Shopify: the image was no longer on the product.";

async function publishedCandidate(client: PrismaClient, shop: string, candidateId: string) {
  const candidate = await forShop(client, shop).candidate.findUnique({
    where: { id: candidateId },
    include: { subject: true },
  });
  if (!candidate) throw new NotFoundError("No such image in this store.");
  return candidate;
}

/**
 * A product none of whose SceneBooth images is on it, or on its way there, any more is no longer
 * "Published": it goes back to review (its images can be published again from there).
 */
async function afterRemoval(client: PrismaClient, shop: string, subjectId: string): Promise<void> {
  const db = forShop(client, shop);
  const onProduct = await db.candidate.count({
    where: { subjectId, state: { in: ["approved", "upscaling", "publishing", "published"] } },
  });
  if (onProduct === 0)
    await db.subject.updateMany({ where: { id: subjectId, state: "published" }, data: { state: "review" } });
}

const stateText = (state: string) => (isCandidateState(state) ? CANDIDATE_STATE_LABELS[state] : state).toLowerCase();

/**
 * Takes a published image off its product. An image already removed stays removed (no call to
 * Shopify); one the merchant already deleted in Shopify is marked removed, and the answer says so.
 */
export async function removePublished(
  client: PrismaClient,
  admin: AdminClient,
  shop: string,
  candidateId: string,
): Promise<string> {
  const candidate = await publishedCandidate(client, shop, candidateId);
  if (candidate.state === "removed") return "This image was already removed from the product.";
  if (candidate.state !== "published" || !candidate.publishedMediaId)
    throw new PublishedMediaError(`Only published images can be removed; this one is ${stateText(candidate.state)}.`);
  const outcome = await detachProductMedia(admin, candidate.publishedMediaId, candidate.subject.productId);
  const gone = outcome === "file-gone";
  const moved = await transitionCandidate(client, shop, candidateId, ["published"], "removed", {
    removedAt: new Date(),
    error: gone ? GONE_IN_SHOPIFY : null,
  });
  if (!moved) {
    const now = await publishedCandidate(client, shop, candidateId);
    if (now.state !== "removed")
      throw new PublishedMediaError(`This image changed meanwhile; it is ${stateText(now.state)}.`);
  }
  await afterRemoval(client, shop, candidate.subjectId);
  return gone
    ? "This image had already been deleted in Shopify; SceneBooth now lists it as removed."
    : "Removed from the product. The file stays in your store's Files; Publish again puts it back.";
}

/** Makes a published image the product's featured (first) image. */
export async function featurePublished(
  client: PrismaClient,
  admin: AdminClient,
  shop: string,
  candidateId: string,
  options: FeatureOptions = {},
): Promise<string> {
  const candidate = await publishedCandidate(client, shop, candidateId);
  if (candidate.state !== "published" || !candidate.publishedMediaId)
    throw new PublishedMediaError(
      `Only published images can be the featured image; this one is ${stateText(candidate.state)}.`,
    );
  const outcome = await makeFeaturedMedia(admin, candidate.subject.productId, candidate.publishedMediaId, options);
  if (outcome === "not-on-product") {
    // Removed or deleted in Shopify: the row says so instead of claiming a published image.
    await transitionCandidate(client, shop, candidateId, ["published"], "removed", {
      removedAt: new Date(),
      error: GONE_IN_SHOPIFY,
    });
    await afterRemoval(client, shop, candidate.subjectId);
    throw new PublishedMediaError(
      "This image is no longer on the product in Shopify, so it can't be the featured image. Publish it again first.",
    );
  }
  return outcome === "done"
    ? "This image is now the product's featured image."
    : "Shopify is still reordering the product's images; the featured image changes in a moment.";
}

/**
 * Publishes a removed image again through its usual chain (upscale finds its stored 2048 px copy;
 * publish puts the same file back on the product, or uploads it again if it was deleted in Shopify).
 * It is not charged again: the charge's idempotency key is the image's id.
 */
export async function republish(
  client: PrismaClient,
  producers: Producers,
  shop: string,
  candidateId: string,
): Promise<string> {
  await producers.ping();
  const candidate = await publishedCandidate(client, shop, candidateId);
  if (["approved", "upscaling", "publishing", "published"].includes(candidate.state))
    return "This image is already on its way to the product.";
  if (candidate.state !== "removed")
    throw new PublishedMediaError(
      `Only removed images can be published again; this one is ${stateText(candidate.state)}.`,
    );
  if (await transitionCandidate(client, shop, candidateId, ["removed"], "approved", { error: null }))
    await settleChain(client, producers, shop, candidateId);
  return "Publishing again: the image goes back on the product in a moment (no new charge).";
}
