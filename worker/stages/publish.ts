import { UnrecoverableError, type Job } from "bullmq";
import { assertCanSpend, chargeUsage, currentUsagePlan } from "../../lib/billing";
import type { PrismaClient } from "../../lib/db";
import { forShop } from "../../lib/db";
import { parseGenerationScenes } from "../../lib/pipeline/request-scenes";
import { PUBLISHABLE_STATES, transitionCandidate } from "../../lib/pipeline/review";
import { altText } from "../../lib/prompts";
import { translateAlt } from "../../lib/pipeline/alt-translations";
import type { CandidateJob } from "../../lib/queue/jobs";
import {
  attachProductMedia,
  finishProductImage,
  mediaIsFile,
  ProductWithMediaDocument,
  publishProductImage,
  type AdminClient,
  type ProductWithMediaQuery,
} from "../../lib/shopify-admin";
import { blobStore, parseBlobKey } from "../../lib/storage";
import { PRICES_USD, usageKey } from "../../lib/usage";
import { MerchantActionError, throwBillingRefusal } from "./errors";
import { notThisShops } from "./candidate-runner";
import { publishes } from "../../lib/metrics/process";

export interface PublishOutput {
  /** Set when nothing was published: the image was rejected (or deleted) before this job ran. */
  stopped?: string;
  mediaId: string;
  reused: boolean;
  /** Seconds this job waited for Shopify to process the image (not the app's own work). */
  shopifyProcessingSeconds: number;
}

/** The upload's file name carries the candidate id, so a retry can find what an earlier try created. */
export function publishFilename(candidateId: string, extension: string): string {
  return `scenebooth-${candidateId}.${extension}`;
}

function sceneText(scenesJson: string, sceneId: string): string {
  return parseGenerationScenes(scenesJson).find((scene) => scene.id === sceneId)?.text ?? "";
}

/**
 * This candidate's media on the product, if an earlier try created it: found by the file name in
 * the image URL, or, while Shopify is still processing it (no image yet), in the uploaded source.
 */
async function findPublished(
  admin: AdminClient,
  productId: string,
  candidateId: string,
): Promise<{ id: string; status: string } | null> {
  let after: string | null = null;
  for (;;) {
    const { product }: ProductWithMediaQuery = await admin.request(ProductWithMediaDocument, {
      id: productId,
      mediaFirst: 50,
      mediaAfter: after,
    });
    if (!product) throw new MerchantActionError("product_missing", "This product no longer exists in your store.");
    const hit = product.media.nodes.find(
      (media) => "image" in media && mediaIsFile(media, publishFilename(candidateId, "png")),
    );
    if (hit) return { id: hit.id, status: hit.status };
    if (!product.media.pageInfo.hasNextPage) return null;
    after = product.media.pageInfo.endCursor;
  }
}

/**
 * Stage 8: the approved, upscaled image → the product's media with alt text (scene + product
 * title), waiting for READY. Publishing a candidate twice never creates two media: a recorded media
 * id ends the job, and otherwise the product's media are searched for this candidate's file first
 * (productUpdate may have run in a try that died before recording it).
 *
 * Billing: the plan and the caps are checked before the upload; the image is charged once, keyed by
 * the candidate id (Shopify's idempotency key and the UsageRecord row), before the candidate is
 * marked published — so a try that died after publishing or after charging is charged once.
 *
 * Only an image still approved is published: the move to "publishing" is a conditional update, so
 * a rejection either lands first (this job ends without uploading or charging) or is refused.
 */
export function publishProcessor(
  client: PrismaClient,
  adminFor: (client: PrismaClient, shop: string) => Promise<AdminClient>,
) {
  return async (job: Job<CandidateJob>): Promise<PublishOutput> => {
    const { shop, candidateId } = job.data;
    const db = forShop(client, shop);
    const candidate = await db.candidate.findUnique({
      where: { id: candidateId },
      include: { subject: true, generation: true },
    });
    // A published image's id ends the job; a removed one being published again goes on (below).
    if (candidate?.publishedMediaId && candidate.state === "published") {
      publishes.inc({ outcome: "already-published" });
      return { mediaId: candidate.publishedMediaId, reused: true, shopifyProcessingSeconds: 0 };
    }
    const stopped = (why: string): PublishOutput => ({
      stopped: why,
      mediaId: "",
      reused: false,
      shopifyProcessingSeconds: 0,
    });
    if (!candidate) throw new UnrecoverableError(notThisShops(candidateId, shop));
    if (!PUBLISHABLE_STATES.includes(candidate.state)) return stopped(`the image is ${candidate.state}`);
    if (!candidate.upscaledBlobKey) throw new Error(`candidate ${candidateId} has no upscaled image yet`);
    // "approved": the upscale found its image stored; "publishing": an earlier try of this job died.
    if (
      !(await transitionCandidate(client, shop, candidateId, PUBLISHABLE_STATES, "publishing", {
        publishAttemptKey: `${shop}:${candidateId}`,
      }))
    ) {
      return stopped("the image was rejected");
    }

    const admin = await adminFor(client, shop);
    const productId = candidate.subject.productId;
    const alt = altText(
      candidate.subject.productTitle,
      candidate.subject.classNoun,
      sceneText(candidate.generation.scenes, candidate.sceneId),
    );
    // Published before and removed by the merchant: the same file goes back on the product, unless it
    // was deleted in Shopify meanwhile (then it is uploaded again).
    if (candidate.publishedMediaId) await attachProductMedia(admin, candidate.publishedMediaId, productId);
    const earlier = await findPublished(admin, productId, candidateId);
    let mediaId = earlier?.id ?? null;
    const reused = earlier !== null;
    const plan = await currentUsagePlan(admin);
    // Charged once per image: publishing it again after the merchant removed it is not charged.
    const chargedBefore = await client.usageRecord.findUnique({
      where: { idempotencyKey: usageKey(shop, "images_published", candidateId) },
    });
    let shopifyProcessingSeconds = 0;
    // An earlier try's productUpdate ran but its answer was lost while Shopify was processing the image.
    if (earlier && earlier.status !== "READY") {
      shopifyProcessingSeconds = (
        await finishProductImage(admin, earlier.id, { filename: `scenebooth-${candidateId}`, alt })
      ).processingSeconds;
    }
    if (!mediaId) {
      if (!chargedBefore)
        await assertCanSpend(client, shop, plan, PRICES_USD.images_published).catch(throwBillingRefusal);
      const blob = await blobStore().get(parseBlobKey(candidate.upscaledBlobKey).key);
      const extension = blob.contentType === "image/jpeg" ? "jpg" : blob.contentType === "image/webp" ? "webp" : "png";
      const published = await publishProductImage(admin, {
        productId,
        bytes: blob.data,
        filename: publishFilename(candidateId, extension),
        mimeType: blob.contentType as "image/png" | "image/jpeg" | "image/webp",
        alt,
      });
      mediaId = published.mediaId;
      shopifyProcessingSeconds = published.processingSeconds;
    }
    if (!chargedBefore)
      await chargeUsage(client, admin, plan, {
        shop,
        kind: "images_published",
        quantity: 1,
        eventKey: candidateId,
        description: `Scene image published: ${candidate.subject.productTitle}`,
      }).catch(throwBillingRefusal);
    await translateAlt(client, admin, shop, {
      mediaId,
      productId,
      productTitle: candidate.subject.productTitle,
      sceneId: candidate.sceneId,
      alt,
    });
    await db.candidate.update({
      where: { id: candidateId },
      data: { state: "published", publishedMediaId: mediaId, error: null, publishedAt: new Date(), removedAt: null },
    });
    await db.subject.update({ where: { id: candidate.subjectId }, data: { state: "published" } });
    publishes.inc({ outcome: reused ? "found-on-product" : "published" });
    return { mediaId, reused, shopifyProcessingSeconds };
  };
}
