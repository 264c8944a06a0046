import pLimit from "p-limit";
import { blobKey, storedBlobKey } from "../../lib/storage";
import { PhotoRejectedError } from "../../lib/images/photo-errors";
import { preparePhoto } from "../../lib/images/prepare-photo";
import type { StageDefinition } from "./runner";

export interface PrepareOutput {
  prepared: number;
  rejected: Array<{ trainingImageId: string; reason: string }>;
}

/**
 * Photos prepared at once: sharp's decode and saliency crop are mostly single-threaded, so two keep
 * two cores busy, while a 100-megapixel photo decoded beside another still fits in memory.
 */
const PHOTOS_AT_ONCE = 2;

/** Stage 2: each downloaded photo → a 768×768 sRGB training crop around the product. */
export const prepareStage: StageDefinition<PrepareOutput> = {
  name: "prepare",
  async run(ctx) {
    const generation = await ctx.db.generation.findUniqueOrThrow({ where: { id: ctx.generationId } });
    const images = await ctx.db.trainingImage.findMany({
      where: { subjectId: generation.subjectId },
      orderBy: { createdAt: "asc" },
    });
    const output: PrepareOutput = { prepared: 0, rejected: [] };
    const limit = pLimit(PHOTOS_AT_ONCE);
    let done = 0;
    const prepareOne = async (image: (typeof images)[number]) => {
      await ctx.progress(done / images.length);
      done += 1;
      if (image.preparedBlobKey) {
        output.prepared += 1;
        return;
      }
      if (image.excluded && image.excludedReason) {
        output.rejected.push({ trainingImageId: image.id, reason: image.excludedReason });
        return;
      }
      const original = await ctx.store.get(storedBlobKey(image.originalBlobKey, ctx.shop));
      try {
        const prepared = await preparePhoto(original.data);
        const key = blobKey(ctx.shop, "subjects", generation.subjectId, "prepared", `${image.id}.png`);
        await ctx.store.put(key, prepared.png, { contentType: "image/png" });
        await ctx.db.trainingImage.update({
          where: { id: image.id },
          data: {
            preparedBlobKey: key,
            width: prepared.source.width,
            height: prepared.source.height,
            cropX: prepared.crop.left,
            cropY: prepared.crop.top,
            cropWidth: prepared.crop.size,
            cropHeight: prepared.crop.size,
            excluded: false,
            excludedReason: null,
          },
        });
        output.prepared += 1;
      } catch (error) {
        if (!(error instanceof PhotoRejectedError)) throw error;
        await ctx.db.trainingImage.update({
          where: { id: image.id },
          data: { excluded: true, excludedReason: error.reason },
        });
        output.rejected.push({ trainingImageId: image.id, reason: error.reason });
      }
    };
    await Promise.all(images.map((image) => limit(() => prepareOne(image)))).catch((error: unknown) => {
      limit.clearQueue(); // a failed or cancelled stage starts no more photos
      throw error;
    });
    // In the photos' order, whatever order they finished in.
    const order = new Map(images.map((image, index) => [image.id, index]));
    output.rejected.sort((a, b) => order.get(a.trainingImageId)! - order.get(b.trainingImageId)!);
    return output;
  },
};
