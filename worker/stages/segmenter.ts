// The product segmenter as the stages use it: opened once per worker (../models.ts); when its files
// are missing or altered the stages go on with border mattes, and the dataset check says why.
import type { DatasetCheckOptions } from "../../lib/dataset/dataset-check";
import type { Matte } from "../../lib/images/matte";
import { productMatte, type SegmentedMatte } from "../../lib/images/segment";
import { sharedSegmenter } from "../models";
import type { ModelClock } from "./model-clock";

/**
 * The segmentation model for busy backgrounds, or why it is missing: the check then goes on with
 * border mattes. `clock` counts the model's time (the orchestration bench tells it from the rest).
 */
export async function segmenterOptions(clock?: ModelClock): Promise<DatasetCheckOptions> {
  try {
    const segmenter = await sharedSegmenter();
    return { segment: (png) => (clock ? clock.time(() => segmenter.segment(png)) : segmenter.segment(png)) };
  } catch (error) {
    return { segmenterProblem: (error as Error).message.split("\n")[0] };
  }
}

/** The matte the composites cut out with: the same choice of border or model matte the check made. */
export async function compositeMatte(): Promise<(png: Buffer) => Promise<Matte>> {
  const { segment } = await segmenterOptions();
  return async (png) => (await productMatte(png, segment)).matte;
}

/** The segmenter for exact mode's source photo, or none when it cannot be opened. */
export async function exactSegment(): Promise<((photo: Buffer) => Promise<SegmentedMatte>) | undefined> {
  const segmenter = await sharedSegmenter().catch(() => null);
  return segmenter ? (photo) => segmenter.segment(photo) : undefined;
}
