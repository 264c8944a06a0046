// The photo an exact-product request takes its product from: among the photos the dataset check
// kept, the highest-resolution one whose matte can be trusted: a plain backdrop's, or the
// segmentation model's on a busy one (the paste-back at 2048 px wants as many of the product's own
// pixels as there are).
import type { TrainingImage } from "../../lib/db";
import { ExactProductError, productSource, type ProductSource } from "../../lib/images/exact-product";
import { UNTRUSTED_MATTE_MESSAGE } from "../../lib/pipeline/generation-modes";
import { storedBlobKey, type BlobStore } from "../../lib/storage";
import type { ShopScopedClient } from "../../lib/db";
import { MerchantActionError } from "./errors";
import { exactSegment } from "./segmenter";

export const NO_PACKSHOT_MESSAGE = `${UNTRUSTED_MATTE_MESSAGE} None of this product's photos is one: add such a photo, or ask for tuned images only.`;

/** A training image and its original photo, read for exact mode. */
export async function exactSourceOf(
  store: BlobStore,
  shop: string,
  image: Pick<TrainingImage, "originalBlobKey">,
): Promise<ProductSource> {
  return productSource((await store.get(storedBlobKey(image.originalBlobKey, shop))).data, await exactSegment());
}

/** The request's source photo; throws the merchant's message (no retry, nothing charged) when no photo can be cut out. */
export async function chooseExactSource(
  db: ShopScopedClient,
  store: BlobStore,
  shop: string,
  subjectId: string,
): Promise<{ image: TrainingImage; source: ProductSource }> {
  const images = await db.trainingImage.findMany({
    where: { subjectId, excluded: false, preparedBlobKey: { not: null } },
    orderBy: { rank: "asc" },
  });
  const pixels = (i: TrainingImage) => (i.width ?? 0) * (i.height ?? 0);
  for (const image of [...images].sort((a, b) => pixels(b) - pixels(a))) {
    try {
      return { image, source: await exactSourceOf(store, shop, image) };
    } catch (error) {
      if (!(error instanceof ExactProductError)) throw error;
    }
  }
  throw new MerchantActionError("no_packshot", NO_PACKSHOT_MESSAGE);
}
