// The two ways a request makes images (issue #19): "tuned" (the product taught to the model, which
// paints the whole image) and "exact" (the product's own pixels, cut out with their matte, placed
// on the canvas and the scene painted around them). A request asks for one mode or both. One that
// asks for exact images only runs in the fast lane: no tune stage, the base model, no tuning charge.
import { GENERATION_MODES, type GenerationLane, type GenerationMode } from "../db/enums";
import { MIN_PHOTOS } from "../products";
import { PRICES_USD } from "../usage";

export { GENERATION_MODES, type GenerationLane, type GenerationMode };

/** What a request without a `modes` option makes (every request before the exact mode existed). */
export const DEFAULT_MODES: readonly GenerationMode[] = ["tuned"];

/** The fast lane needs one photo; tuning needs the dataset check's minimum. */
export const FAST_LANE_MIN_PHOTOS = 1;

/** Why a photo cannot give exact-product images (its matte is not trusted); shown in the studio and when a request stops. */
export const UNTRUSTED_MATTE_MESSAGE =
  "Exact-product images need a packshot: a photo of the product on a plain white or grey backdrop. On a busy backdrop SceneBooth cannot cut the product out exactly.";

/** While the worker's segmentation model checks busy backgrounds (the studio's photo check), exact mode may yet be possible. */
export const EXACT_BEING_CHECKED =
  "Checking whether your product can be cut out of these busy backgrounds (the segmentation model)…";

/** The modes in a fixed order (tuned first), without repeats; throws a merchant-facing message for anything else. */
export function normalizeModes(raw: readonly unknown[] | undefined): GenerationMode[] {
  if (raw === undefined || raw.length === 0) return [...DEFAULT_MODES];
  const unknown = raw.filter((m) => !GENERATION_MODES.includes(m as GenerationMode));
  if (unknown.length > 0)
    throw new RangeError(`Unknown image mode: pick “tuned”, “exact” or both (got ${unknown.length} other value(s)).`);
  return GENERATION_MODES.filter((m) => raw.includes(m));
}

/** The lane of a request that makes these modes. */
export function laneOf(modes: readonly GenerationMode[]): GenerationLane {
  return modes.includes("tuned") ? "tuned" : "fast";
}

/** What a request in this lane charges before any image is published (the tuned product, or nothing). */
export function upfrontPriceUsd(lane: GenerationLane): number {
  return lane === "fast" ? 0 : PRICES_USD.tuned_product;
}

/** The studio's three choices: one mode or both. */
export type ModeChoice = "tuned" | "exact" | "both";

export const MODE_CHOICES: Record<ModeChoice, GenerationMode[]> = {
  tuned: ["tuned"],
  exact: ["exact"],
  both: ["tuned", "exact"],
};

/** The choice that makes `modes` (a stored request's, or the default). */
export function modeChoiceOf(modes: readonly string[] | undefined): ModeChoice {
  const exact = modes?.includes("exact") ?? false;
  return exact && modes!.includes("tuned") ? "both" : exact ? "exact" : "tuned";
}

/**
 * What a bulk or automatic request makes for a product with `photos` ready photos: exact-product
 * images in the fast lane for one or two photos (too few to tune) or when the shop chose the fast
 * lane for all, else tuned images; null without a photo.
 */
export function automaticModes(photos: number, fastLane: boolean): GenerationMode[] | null {
  if (photos < FAST_LANE_MIN_PHOTOS) return null;
  return fastLane || photos < MIN_PHOTOS ? ["exact"] : [...DEFAULT_MODES];
}
