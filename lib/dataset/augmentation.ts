import { createHash } from "node:crypto";

/**
 * Background augmentation for plain-backdrop sets (DESIGN §1's candle case): a set shot on one white
 * backdrop teaches the model to copy the backdrop into every scene. When every photo's plain-backdrop
 * matte can be trusted, the tune stage cuts the product out and places it on backgrounds the base model
 * drew from the neutral prompts below (scale and position jittered, a soft contact shadow under it),
 * captions the composites like the photos, and trains on both.
 *
 * Ratio: two composites per photo, so the backdrop is in a third of the training pairs while every real
 * photo (its true edges, lighting and shadow) stays in the set; and at least `minTrainingPairs` pairs
 * in all, so one or two photos still make a set the tuner accepts.
 */
export const AUGMENTATION = {
  /** Composites made from each photo, each on a different background. */
  compositesPerPhoto: 2,
  /** Training pairs (photos + composites) a set is filled up to. */
  minTrainingPairs: 5,
  /** The product's size on a composite, relative to the photo: drawn uniformly from this range. */
  scaleJitter: [0.7, 1.0],
  /** The product's shift on a composite, as a share of the frame on each axis (kept inside the frame). */
  positionJitter: 0.12,
  /** Darkness of the contact shadow at its centre (0–1), and its blur as a share of the product's width. */
  shadowOpacity: 0.35,
  shadowBlur: 0.06,
  /** Neutral places without a product, one background each (the base model's own pictures, like class images). */
  backgroundPrompts: [
    "an empty wooden table top in a bright kitchen, product photography background",
    "an empty white marble countertop, soft daylight, product photography background",
    "an empty concrete floor in a sunlit loft",
    "an empty linen tablecloth on a table by a window",
    "an empty stone ledge in a green garden, daylight",
    "an empty oak shelf in a cosy living room",
    "empty sand on a sunny beach",
    "an empty desk in a modern office, soft light",
  ],
  /** The backgrounds' seed and sampler steps (the tiny profile samples its own few); a change makes a new fleet-wide set. */
  backgroundSeed: 0,
  backgroundSteps: 25,
} as const;

/** How many composites a set of `photos` photos gets per photo. */
export function compositeCount(photos: number): number {
  if (photos <= 0) return 0;
  return Math.max(AUGMENTATION.compositesPerPhoto, Math.ceil((AUGMENTATION.minTrainingPairs - photos) / photos));
}

/** A composite's scale and shift, drawn from its name: the same composite whenever the set is made again. */
export function placementFor(name: string): { scale: number; dx: number; dy: number } {
  const digest = createHash("sha256").update(name).digest();
  const uniform = (i: number) => digest.readUInt32BE(i * 4) / 2 ** 32;
  const [low, high] = AUGMENTATION.scaleJitter;
  const shift = (u: number) => (2 * u - 1) * AUGMENTATION.positionJitter;
  return { scale: low + (high - low) * uniform(0), dx: shift(uniform(1)), dy: shift(uniform(2)) };
}
