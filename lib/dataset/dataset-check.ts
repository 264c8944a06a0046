import type { CropBox, CropPadding } from "../images/prepare-photo";
import { cutoutQuality } from "../images/composite";
import { exactCutOut } from "../images/exact-product";
import { plainBackdropMatte } from "../images/matte";
import { productMatte, type ProductMatte, type Segment } from "../images/segment";
import { compositeCount } from "./augmentation";
import {
  backgroundRing,
  decodePicture,
  detail,
  differenceHash,
  hashDistance,
  matteInput,
  productView,
  ringDistance,
  type ProductView,
} from "./descriptors";

/**
 * The paper's dataset guidance made automatic (docs/recipe.md): 5–7 photos, at least 3, no
 * near-duplicates, and backgrounds that differ — a set shot on one background teaches the model to
 * copy that background into every scene while the metrics still look good.
 *
 * Thresholds were calibrated on the 17 DreamBench subjects: the median border colour difference is
 * 4.6 ΔE for berry_bowl (every photo on the same white cloth) and 24–50 ΔE for all the others;
 * re-encoded or slightly cropped copies of one photo differ by ≤ 0.19 of their dHash bits, the two
 * closest distinct shots (backpack 00/01) by 0.28.
 *
 * On a plain backdrop (catalog packshots) the whole frame's dHash is decided by the backdrop: four
 * poses of one product on white matched each other. There, two photos are compared by what the
 * matte's product box shows: its dHash and its colours (an 8×8 grid). Copies of one packshot differ
 * by ≤ 0.09 of the bits and ≤ 2.1 ΔE; distinct poses by ≥ 0.22 and ≥ 34 ΔE; distinct DreamBench shots
 * on one plain cloth (berry_bowl) by ≥ 9 ΔE. Re-run on every subject by bench/dataset-calibration.ts:
 * no distinct DreamBench photos flagged (bench/results/dataset-calibration.md).
 */
export const DATASET_RULES = {
  minPhotos: 3,
  recommendedMin: 5,
  maxPhotos: 7,
  minSourceSide: 768,
  lowBackgroundDiversityDeltaE: 12,
  nearDuplicateHashDistance: 0.25,
  /** On plain backdrops a near-duplicate must also match the product's colours within this mean ΔE. */
  nearDuplicateProductDeltaE: 6,
  /** Grey standard deviation (0–255) below which a crop is one flat colour: no product, and a dHash of zeros that "matches" any plain backdrop. */
  blankDetail: 3,
} as const;

export interface DatasetPhotoInput {
  id: string;
  /** The prepared 768×768 crop. */
  png: Buffer;
  sourceWidth: number;
  sourceHeight: number;
  /** The square of the source that became the crop, and the padding where it reaches past the photo. */
  crop?: { box: CropBox; padding: CropPadding };
}

export type IssueCode =
  | "too_few_photos"
  | "few_photos"
  | "low_background_diversity"
  | "near_duplicate"
  | "low_resolution"
  | "extra_photo"
  | "blank_photo"
  | "background_augmented"
  | "augmentation_unavailable"
  | "segmenter_unavailable";

export interface DatasetIssue {
  code: IssueCode;
  severity: "blocking" | "warning" | "info";
  message: string;
  photoIds: string[];
}

export interface DatasetPhotoVerdict {
  id: string;
  use: boolean;
  rank: number;
  reason?: string;
  crop?: { box: CropBox; padding: CropPadding };
  /**
   * The plain-backdrop matte of the crop: when plain, duplicates are judged on the product alone; when
   * its product is also in one piece (cohesion, ../images/composite.ts), it can be cut out. `matte`:
   * the product matte used (the segmentation model's when the border's made no clean cut-out and the
   * model's did); `trusted`: it makes a clean cut-out (augmentation); `cutOut`: exact mode can take
   * the product from this photo (../images/exact-product.ts exactCutOut). The last three are absent
   * from reports written before them.
   */
  backdrop?: {
    plain: boolean;
    borderBackdrop: number;
    cohesion?: number;
    matte?: "border" | "model";
    trusted?: boolean;
    cutOut?: boolean;
  };
}

export interface DatasetReport {
  /** blocked: GPU time would be wasted (the merchant may override low background diversity). */
  status: "ok" | "warning" | "blocked";
  usableCount: number;
  backgroundDiversity: { medianDeltaE: number | null; threshold: number; low: boolean };
  /**
   * Background augmentation (./augmentation.ts): when every used photo is on a plain backdrop its matte
   * can be trusted on, training also uses composites of the product on generated backgrounds. Absent
   * from reports written before it existed.
   */
  augmentation?: { augmented: boolean; compositesPerPhoto: number };
  photos: DatasetPhotoVerdict[];
  issues: DatasetIssue[];
}

/**
 * Why a one-background set is stopped, and what the merchant can do where the request came from:
 * the studio asks per request; bulk and automatic requests follow the setting.
 */
export function lowDiversityMessage(where: "studio" | "settings"): string {
  const advice =
    where === "studio"
      ? "Add photos taken in other places, or continue anyway."
      : "Add photos taken in other places, or turn on “Continue when all of a product’s photos share one background” in Settings (or start this product from its page and continue anyway).";
  return `All photos share nearly the same background, so the scenes would keep copying it (whatever scene you pick) while the scores still look good. ${advice}`;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface DatasetCheckOptions {
  /** The segmentation model, asked for the used photos whose border matte makes no clean cut-out. */
  segment?: Segment;
  /** Why the model could not be opened (one line), reported instead. */
  segmenterProblem?: string;
}

/** The info issue when busy backgrounds were judged without the segmentation model; `problem`: why, one line. */
export function segmenterUnavailable(problem: string, photoIds: string[]): DatasetIssue {
  return {
    code: "segmenter_unavailable",
    severity: "info",
    message: `The segmentation model could not be used (${problem}), so busy backgrounds were judged without it.`,
    photoIds,
  };
}

export async function checkDataset(
  inputs: DatasetPhotoInput[],
  options: DatasetCheckOptions = {},
): Promise<DatasetReport> {
  const issues: DatasetIssue[] = [];
  // Each crop decoded once for the descriptors below, not once per descriptor.
  const pictures = await Promise.all(inputs.map((p) => decodePicture(p.png)));
  const rings = await Promise.all(pictures.map((p) => backgroundRing(p)));
  const hashes = await Promise.all(pictures.map((p) => differenceHash(p)));
  const mattes = await Promise.all(pictures.map((p) => plainBackdropMatte(matteInput(p))));
  const views: Array<ProductView | null> = await Promise.all(
    pictures.map((p, i) => (mattes[i]!.plain ? productView(p, mattes[i]!.box!) : null)),
  );
  const sameView = (i: number, j: number) => {
    const [a, b] = [views[i], views[j]];
    if (!a || !b) return hashDistance(hashes[i]!, hashes[j]!) <= DATASET_RULES.nearDuplicateHashDistance;
    return (
      hashDistance(a.hash, b.hash) <= DATASET_RULES.nearDuplicateHashDistance &&
      ringDistance(a.colours, b.colours) <= DATASET_RULES.nearDuplicateProductDeltaE
    );
  };
  const excluded = new Map<string, string>();

  // Blank photos first: they teach nothing and would pass for a near-duplicate of a real photo.
  const details = await Promise.all(pictures.map((p) => detail(p)));
  const blank = inputs.filter((_, i) => details[i]! < DATASET_RULES.blankDetail);
  for (const p of blank) excluded.set(p.id, "one flat colour: it shows no product");
  if (blank.length > 0) {
    issues.push({
      code: "blank_photo",
      severity: "info",
      message: `${blank.length === 1 ? `Photo ${blank[0]!.id} is` : `${blank.length} photos are`} one flat colour and ${blank.length === 1 ? "is" : "are"} not used.`,
      photoIds: blank.map((p) => p.id),
    });
  }

  // Near-duplicates: keep the higher-resolution photo of each pair.
  const shortSide = (p: DatasetPhotoInput) => Math.min(p.sourceWidth, p.sourceHeight);
  for (let i = 0; i < inputs.length; i++) {
    for (let j = i + 1; j < inputs.length; j++) {
      const [a, b] = [inputs[i]!, inputs[j]!];
      if (excluded.has(a.id) || excluded.has(b.id)) continue;
      if (sameView(i, j)) {
        const drop = shortSide(b) > shortSide(a) ? a : b;
        const keep = drop === a ? b : a;
        excluded.set(drop.id, `near-duplicate of ${keep.id}: it adds no new view of the product`);
        issues.push({
          code: "near_duplicate",
          severity: "info",
          message: `Photos ${a.id} and ${b.id} are nearly the same picture; only ${keep.id} is used.`,
          photoIds: [a.id, b.id],
        });
      }
    }
  }

  // Rank the rest: photos whose background differs most from the others first, then resolution.
  const candidates = inputs.map((p, index) => ({ p, index })).filter(({ p }) => !excluded.has(p.id));
  const novelty = (index: number) =>
    candidates.reduce(
      (sum, other) => (other.index === index ? sum : sum + ringDistance(rings[index]!, rings[other.index]!)),
      0,
    );
  candidates.sort((x, y) => novelty(y.index) - novelty(x.index) || shortSide(y.p) - shortSide(x.p));
  for (const { p } of candidates.slice(DATASET_RULES.maxPhotos)) {
    excluded.set(
      p.id,
      `extra photo: ${DATASET_RULES.maxPhotos} are enough, and this one adds the least new background`,
    );
  }
  if (candidates.length > DATASET_RULES.maxPhotos) {
    issues.push({
      code: "extra_photo",
      severity: "info",
      message: `${candidates.length} usable photos; the ${DATASET_RULES.maxPhotos} most varied are used.`,
      photoIds: candidates.slice(DATASET_RULES.maxPhotos).map(({ p }) => p.id),
    });
  }

  const used = candidates.slice(0, DATASET_RULES.maxPhotos);
  const usedDistances: number[] = [];
  for (let i = 0; i < used.length; i++) {
    for (let j = i + 1; j < used.length; j++)
      usedDistances.push(ringDistance(rings[used[i]!.index]!, rings[used[j]!.index]!));
  }
  const medianDeltaE = median(usedDistances);
  const lowDiversity = medianDeltaE !== null && medianDeltaE < DATASET_RULES.lowBackgroundDiversityDeltaE;
  // A set whose product is cut out of every photo (a plain backdrop, or a trusted model matte on a
  // busy one) also trains on other backgrounds.
  const usedIndexes = new Set(used.map(({ index }) => index));
  const products: ProductMatte[] = await Promise.all(
    inputs.map((p, i) => productMatte(p.png, usedIndexes.has(i) ? options.segment : undefined, mattes[i]!)),
  );
  const cutouts = products.map((product) => cutoutQuality(product.matte));
  const segmenterProblem =
    options.segmenterProblem ?? products.find((product) => product.problem !== undefined)?.problem;
  const byModel = used.some(({ index }) => products[index]!.from === "model");
  const notCutOut = used.filter(({ index }) => !cutouts[index]!.trusted).map(({ p }) => p.id);
  const augmented = used.length > 0 && notCutOut.length === 0;
  const usedIds = used.map(({ p }) => p.id);

  if (used.length < DATASET_RULES.minPhotos && augmented) {
    issues.push({
      code: "too_few_photos",
      severity: "warning",
      message: `${used.length} usable photo${used.length === 1 ? "" : "s"}: enough with the product placed on generated backgrounds, but ${DATASET_RULES.recommendedMin}–${DATASET_RULES.maxPhotos} photos from other angles give a more faithful product.`,
      photoIds: usedIds,
    });
  } else if (used.length < DATASET_RULES.minPhotos) {
    issues.push({
      code: "too_few_photos",
      severity: "blocking",
      message: `${used.length} usable photo${used.length === 1 ? "" : "s"}; at least ${DATASET_RULES.minPhotos} are needed (${DATASET_RULES.recommendedMin}–${DATASET_RULES.maxPhotos} recommended). Add photos of the product from other angles.`,
      photoIds: usedIds,
    });
  } else if (used.length < DATASET_RULES.recommendedMin) {
    issues.push({
      code: "few_photos",
      severity: "warning",
      message: `${used.length} photos will work, but ${DATASET_RULES.recommendedMin}–${DATASET_RULES.maxPhotos} give a more faithful product.`,
      photoIds: used.map(({ p }) => p.id),
    });
  }
  if (augmented) {
    issues.push({
      code: "background_augmented",
      severity: "info",
      message: `${byModel ? "One background" : "Plain background"}: augmented automatically. The product is cut out of ${used.length === 1 ? "the photo" : "each photo"} and also learned on ${compositeCount(used.length)} generated backgrounds per photo, so the scenes do not copy the backdrop.${byModel ? " Busy backgrounds were told apart from the product by the segmentation model." : ""}`,
      photoIds: usedIds,
    });
  } else if (lowDiversity) {
    issues.push({
      code: "low_background_diversity",
      severity: "blocking",
      message: lowDiversityMessage("studio"),
      photoIds: usedIds,
    });
    if (used.some(({ index }) => mattes[index]!.plain)) {
      issues.push({
        code: "augmentation_unavailable",
        severity: "info",
        message: `The background cannot be replaced automatically: the product could not be told apart from the background in ${notCutOut.length === 1 ? `photo ${notCutOut[0]}` : `${notCutOut.length} photos`} (a busy or uneven background, a product of the backdrop's colour, or one that fills the frame).`,
        photoIds: notCutOut,
      });
    }
  }
  if (
    segmenterProblem !== undefined &&
    used.some(({ index }) => products[index]!.from === "border" && !cutouts[index]!.trusted)
  ) {
    issues.push(segmenterUnavailable(segmenterProblem, usedIds));
  }
  const lowRes = used.filter(({ p }) => shortSide(p) < DATASET_RULES.minSourceSide).map(({ p }) => p.id);
  if (lowRes.length > 0) {
    issues.push({
      code: "low_resolution",
      severity: "warning",
      message: `${lowRes.length} photo${lowRes.length === 1 ? " is" : "s are"} smaller than ${DATASET_RULES.minSourceSide} px and will be upscaled; sharper photos give sharper scenes.`,
      photoIds: lowRes,
    });
  }

  const rankOf = new Map(candidates.map(({ p }, rank) => [p.id, rank + 1]));
  const photos = inputs.map((p, i) => ({
    id: p.id,
    use: !excluded.has(p.id),
    rank: rankOf.get(p.id) ?? 0,
    ...(excluded.has(p.id) ? { reason: excluded.get(p.id) } : {}),
    ...(p.crop ? { crop: p.crop } : {}),
    backdrop: {
      plain: mattes[i]!.plain,
      borderBackdrop: mattes[i]!.borderBackdrop,
      cohesion: Number(cutouts[i]!.cohesion.toFixed(3)),
      matte: products[i]!.from,
      trusted: cutouts[i]!.trusted,
      cutOut: exactCutOut(products[i]!.matte, products[i]!.from),
    },
  }));
  const status = issues.some((i) => i.severity === "blocking")
    ? "blocked"
    : issues.some((i) => i.severity === "warning")
      ? "warning"
      : "ok";
  return {
    status,
    usableCount: used.length,
    backgroundDiversity: { medianDeltaE, threshold: DATASET_RULES.lowBackgroundDiversityDeltaE, low: lowDiversity },
    augmentation: { augmented, compositesPerPhoto: augmented ? compositeCount(used.length) : 0 },
    photos,
    issues,
  };
}
