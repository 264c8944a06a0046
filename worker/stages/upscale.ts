import { UnrecoverableError, type Job } from "bullmq";
import { assertCanSpend, currentUsagePlan } from "../../lib/billing";
import { config } from "../../lib/config";
import type { PrismaClient } from "../../lib/db";
import { forShop } from "../../lib/db";
import { transitionCandidate } from "../../lib/pipeline/review";
import type { CandidateJob } from "../../lib/queue/jobs";
import type { AdminClient } from "../../lib/shopify-admin";
import { pasteBack } from "../../lib/images/exact-product";
import { parsePlacement } from "../../lib/images/placement";
import { blobKey, blobStore, parseBlobKey, type BlobStore } from "../../lib/storage";
import { PRICES_USD } from "../../lib/usage";
import type { Upscaler } from "../upscale";
import { throwBillingRefusal } from "./errors";
import { notThisShops } from "./candidate-runner";
import { assertProductExists } from "./product-exists";
import { ModelClock } from "./model-clock";
import { exactSourceOf } from "./exact-source";

export interface UpscaleOutput {
  /** Set when the chain stopped without work: the image was rejected (or deleted) before it ran. */
  stopped?: string;
  key: string;
  width: number;
  height: number;
  /** Seconds inside ESRGAN (loading included). */
  modelSeconds: number;
}

export const PUBLISHED_SIZE = 2048;

/**
 * Exact mode: the product's original pixels (the request's source photo, resized once to their
 * place at 2048 px) go back over the upscaled image through the feathered matte, on a contact
 * shadow, so the published image carries the merchant's own product rather than its round trip
 * through the model and ESRGAN.
 */
async function exactPasteBack(
  db: ReturnType<typeof forShop>,
  store: BlobStore,
  shop: string,
  candidate: { id: string; placement: string | null; sourceImageId: string | null },
): Promise<(rgb: Buffer, width: number) => Promise<Buffer>> {
  const placement = parsePlacement(candidate.placement);
  const image = candidate.sourceImageId
    ? await db.trainingImage.findUnique({ where: { id: candidate.sourceImageId } })
    : null;
  if (!placement || !image) throw new Error(`exact-product image ${candidate.id} has no placement or source photo`);
  const source = await exactSourceOf(store, shop, image);
  return (rgb, width) => pasteBack(rgb, width, source, placement);
}

/**
 * Stage 7: an approved candidate (768 px) → ESRGAN ×4, tiled → Lanczos to 2048 px (an exact-product
 * image then gets its product's own pixels back), stored once.
 * An image the merchant's plan or cap would not let publish is not upscaled either (auto-publish
 * approves without the studio's check).
 *
 * Only an image still approved is upscaled: a rejected (or deleted) one ends the job with nothing
 * done; the publish job after it sees the same state and stops too. A product deleted from the
 * store stops the image with the merchant's message (product_missing).
 */
export function upscaleProcessor(
  client: PrismaClient,
  upscaler: () => Promise<Upscaler>,
  adminFor: (client: PrismaClient, shop: string) => Promise<AdminClient>,
) {
  return async (job: Job<CandidateJob>): Promise<UpscaleOutput> => {
    const { shop, candidateId } = job.data;
    const db = forShop(client, shop);
    const candidate = await db.candidate.findUnique({
      where: { id: candidateId },
      include: { subject: { select: { productId: true } } },
    });
    if (!candidate) throw new UnrecoverableError(notThisShops(candidateId, shop));
    // "upscaling" again: an earlier try of this job died on the way.
    if (!(await transitionCandidate(client, shop, candidateId, ["approved", "upscaling"], "upscaling"))) {
      return {
        stopped: `the image is ${candidate.state}`,
        key: "",
        width: 0,
        height: 0,
        modelSeconds: 0,
      };
    }
    const store = blobStore();
    if (candidate.upscaledBlobKey && (await store.exists(parseBlobKey(candidate.upscaledBlobKey).key))) {
      return { key: candidate.upscaledBlobKey, width: PUBLISHED_SIZE, height: PUBLISHED_SIZE, modelSeconds: 0 };
    }
    const admin = await adminFor(client, shop);
    const plan = await currentUsagePlan(admin);
    await assertCanSpend(client, shop, plan, PRICES_USD.images_published).catch(throwBillingRefusal);
    await assertProductExists(admin, candidate.subject.productId);
    // Rejected while the plan was read: the model's time is saved too (approved again meanwhile: go on).
    if (!(await transitionCandidate(client, shop, candidateId, ["approved", "upscaling"], "upscaling"))) {
      return { stopped: "the image was rejected", key: "", width: 0, height: 0, modelSeconds: 0 };
    }
    const source = await store.get(parseBlobKey(candidate.imageBlobKey).key);
    const clock = new ModelClock();
    const compose = candidate.mode === "exact" ? await exactPasteBack(db, store, shop, candidate) : undefined;
    const result = await clock.time(async () =>
      (await upscaler()).upscaleTo(source.data, { size: PUBLISHED_SIZE, format: config().publishFormat, compose }),
    );
    const key = blobKey(
      shop,
      "subjects",
      candidate.subjectId,
      "candidates",
      `${candidateId}-2048.${result.format === "jpeg" ? "jpg" : result.format}`,
    );
    await store.put(key, result.data, { contentType: result.contentType });
    await db.candidate.updateMany({ where: { id: candidateId }, data: { upscaledBlobKey: key } });
    return { key, width: result.width, height: result.height, modelSeconds: clock.seconds };
  };
}
