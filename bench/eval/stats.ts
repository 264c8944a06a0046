import { max, mean, min, sampleStandardDeviation } from "simple-statistics";
import type { Scores } from "../../worker/scoring";

export type Metric = keyof Scores;
/** The paper's column order: subject fidelity (DINO, CLIP-I), then prompt fidelity (CLIP-T, ITM, ITC). */
export const METRICS: readonly Metric[] = ["dino", "clipI", "clipT", "itm", "itc"];
export const METRIC_LABELS: Record<Metric, string> = {
  dino: "DINO",
  clipI: "CLIP-I",
  clipT: "CLIP-T",
  itm: "ITM",
  itc: "ITC",
};

/** The paper shows people the images with ITM above this. */
export const ITM_SHOWN_THRESHOLD = 0.9;

/** One generated image and its five scores. */
export interface ScoredImage {
  subject: string;
  classNoun: string;
  sceneId: string;
  sceneKind: "general" | "specific";
  prompt: string;
  seed: number;
  /** Text-encoder training steps of the weights that drew it. */
  textEncoderSteps: number;
  /** The recipe variant (bench/eval/variants.ts) of `--compare` runs. */
  variant?: string;
  image: string;
  scores: Scores;
}

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); null below two values. */
  std: number | null;
  min: number;
  max: number;
}

export class EmptyGroupError extends Error {
  override name = "EmptyGroupError";
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new EmptyGroupError("no values to summarize");
  return {
    n: values.length,
    mean: mean([...values]),
    std: values.length > 1 ? sampleStandardDeviation([...values]) : null,
    min: min([...values]),
    max: max([...values]),
  };
}

/** Table 2/3: mean, std, min and max of each metric over the images. */
export function metricSummaries(images: readonly ScoredImage[]): Record<Metric, Summary> {
  return Object.fromEntries(METRICS.map((m) => [m, summarize(images.map((i) => i.scores[m]))])) as Record<
    Metric,
    Summary
  >;
}

/** Mean of each metric per group, groups in first-seen order. */
export function groupMeans<K extends string | number>(
  images: readonly ScoredImage[],
  key: (image: ScoredImage) => K,
): Array<{ group: K; n: number; means: Record<Metric, number> }> {
  const groups = new Map<K, ScoredImage[]>();
  for (const image of images) {
    const k = key(image);
    groups.set(k, [...(groups.get(k) ?? []), image]);
  }
  return [...groups].map(([group, members]) => ({
    group,
    n: members.length,
    means: Object.fromEntries(METRICS.map((m) => [m, mean(members.map((i) => i.scores[m]))])) as Record<Metric, number>,
  }));
}

/** Share of images the paper would show people (ITM > 0.9). */
export function shownShare(images: readonly ScoredImage[], threshold = ITM_SHOWN_THRESHOLD): number {
  if (images.length === 0) throw new EmptyGroupError("no images");
  return images.filter((i) => i.scores.itm > threshold).length / images.length;
}
