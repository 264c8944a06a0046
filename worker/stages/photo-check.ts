// The studio's photo check with the segmentation model: the app checks the picked photos with their
// border mattes and, when a busy background needs the model, asks the worker (models stay here).
// Same download, preparation and check as the app's (lib/dataset/check-photos.ts), plus the model.
import type { Job } from "bullmq";
import pLimit from "p-limit";
import { checkPickedPhotos, type PhotoCheckResult } from "../../lib/dataset/check-photos";
import type { PhotoCheckJob } from "../../lib/queue/jobs";
import { ModelClock } from "./model-clock";
import { segmenterOptions } from "./segmenter";

/** Photos prepared at once by one check (a photo may be 20 MB, its decode several times that). */
const PREPARE_AT_ONCE = 2;

export function photoCheckProcessor() {
  return async (job: Job<PhotoCheckJob>): Promise<PhotoCheckResult> => {
    const clock = new ModelClock();
    const report = await checkPickedPhotos(job.data.photos, {
      ...(await segmenterOptions(clock)),
      limit: pLimit(PREPARE_AT_ONCE),
    });
    return { report, modelSeconds: clock.seconds };
  };
}
