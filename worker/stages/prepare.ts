import { blobKey } from "../../lib/storage";
import { PhotoRejectedError } from "../../lib/images/photo-errors";
import { preparePhoto } from "../../lib/images/prepare-photo";
import type { StageDefinition } from "./runner";

export interface PrepareOutput {
  prepared: number;
  rejected: Array<{ trainingImageId: string; reason: string }>;
}

/** Stage 2: each downloaded photo → a 768×768 sRGB training crop around the product. */
export const prepareStage: StageDefinition<PrepareOutput> = {
  name: "prepare",
  async run(ctx) {
    const generation = await ctx.db.generation.findUniqueOrThrow({ where: { id: ctx.generationId } });
    const images = await ctx.db.trainingImage.findMany({ where: { subjectId: generation.subjectId }, orderBy: { createdAt: "asc" } });
    const output: PrepareOutput = { prepared: 0, rejected: [] };
    for (const [index, image] of images.entries()) {
      await ctx.progress(index / images.length);
      if (image.preparedBlobKey) {
        output.prepared += 1;
        continue;
      }
      if (image.excluded && image.excludedReason) {
        output.rejected.push({ trainingImageId: image.id, reason: image.excludedReason });
        continue;
      }
      const original = await ctx.store.get(image.originalBlobKey as never);
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
        await ctx.db.trainingImage.update({ where: { id: image.id }, data: { excluded: true, excludedReason: error.reason } });
        output.rejected.push({ trainingImageId: image.id, reason: error.reason });
      }
    }
    return output;
  },
};
