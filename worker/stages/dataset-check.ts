import { FAST_LANE_MIN_PHOTOS, normalizeModes } from "../../lib/pipeline/generation-modes";
import { parseGenerationOptions } from "../../lib/pipeline/request-scenes";
import { checkDataset, lowDiversityMessage, type DatasetReport } from "../../lib/dataset/dataset-check";
import { cropRecord } from "../../lib/images/prepare-photo";
import { storedBlobKey } from "../../lib/storage";
import { MerchantActionError } from "./errors";
import { chooseExactSource } from "./exact-source";
import { segmenterOptions } from "./segmenter";
import { ModelClock } from "./model-clock";
import type { StageDefinition } from "./runner";

export interface DatasetCheckOutput {
  status: DatasetReport["status"];
  usableCount: number;
  overridden: boolean;
  /** The set also trains on composites of its product on generated backgrounds (a one-backdrop catalog set). */
  augmented: boolean;
  /** Seconds in the segmentation model (busy backgrounds). */
  modelSeconds: number;
}

/**
 * Stage 3: the paper's dataset guidance before any GPU time is spent. A blocked set stops the
 * request with the reason; low background diversity alone can be overridden by the merchant. A
 * one-backdrop set whose product can be cut out is not blocked: the tune stage augments it. The
 * guidance is for tuning: a fast-lane request (exact product only) needs one usable photo. A request
 * for exact-product images needs a photo whose matte can be trusted, or it stops here, uncharged.
 */
export const datasetCheckStage: StageDefinition<DatasetCheckOutput> = {
  name: "dataset-check",
  async run(ctx) {
    const generation = await ctx.db.generation.findUniqueOrThrow({ where: { id: ctx.generationId } });
    const options = parseGenerationOptions(generation.options);
    const images = await ctx.db.trainingImage.findMany({
      where: { subjectId: generation.subjectId, preparedBlobKey: { not: null } },
      orderBy: { createdAt: "asc" },
    });
    const inputs = await Promise.all(
      images.map(async (image) => ({
        id: image.id,
        png: (await ctx.store.get(storedBlobKey(image.preparedBlobKey, ctx.shop))).data,
        sourceWidth: image.width ?? 0,
        sourceHeight: image.height ?? 0,
        ...(image.cropX !== null && image.cropY !== null && image.cropWidth !== null
          ? {
              crop: cropRecord(
                { left: image.cropX, top: image.cropY, size: image.cropWidth },
                image.width,
                image.height,
              ),
            }
          : {}),
      })),
    );
    const clock = new ModelClock();
    const report = await checkDataset(inputs, await segmenterOptions(clock));
    for (const verdict of report.photos) {
      await ctx.db.trainingImage.update({
        where: { id: verdict.id },
        data: { excluded: !verdict.use, excludedReason: verdict.reason ?? null, rank: verdict.rank },
      });
    }
    await ctx.db.subject.update({
      where: { id: generation.subjectId },
      data: { datasetReport: JSON.stringify(report) },
    });

    const tunes = generation.lane !== "fast";
    const blocking = tunes
      ? report.issues.filter((issue) => issue.severity === "blocking")
      : report.usableCount < FAST_LANE_MIN_PHOTOS
        ? [{ code: "too_few_photos", message: "None of the photos can be used: add a photo of the product." }]
        : [];
    const overridable = blocking.every((issue) => issue.code === "low_background_diversity");
    const overridden = blocking.length > 0 && overridable && options.allowLowDiversity === true;
    if (blocking.length > 0 && !overridden) {
      // Bulk and automatic requests have no "continue anyway" of their own: the setting is theirs.
      const message = (issue: (typeof blocking)[number]) =>
        issue.code === "low_background_diversity" && generation.source !== "interactive"
          ? lowDiversityMessage("settings")
          : issue.message;
      throw new MerchantActionError(blocking[0]!.code, blocking.map(message).join(" "));
    }
    if (normalizeModes(options.modes).includes("exact"))
      await chooseExactSource(ctx.db, ctx.store, ctx.shop, generation.subjectId);
    return {
      status: report.status,
      usableCount: report.usableCount,
      overridden,
      augmented: report.augmentation?.augmented ?? false,
      modelSeconds: clock.seconds,
    };
  },
};
