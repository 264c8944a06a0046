// Where an exact-product image puts the product (issue #19): centred, standing on a surface (its base
// above the bottom edge, so the surface shows), and small enough to leave room for the scene.
import type { SceneKind } from "../db/enums";

/** The product's place on a square image, as fractions of its side: the box's centre x, its base, its width. */
export interface Placement {
  cx: number;
  bottom: number;
  width: number;
}

export const PLACEMENT_RULES = {
  /** The product box's longer side, by scene kind: a specific scene describes more around the product, so it gets more room. */
  maxSide: { general: 0.5, specific: 0.42, custom: 0.46 } satisfies Record<SceneKind, number>,
  /** Where the product's base stands, from the top. */
  bottom: 0.86,
} as const;

/** The placement for a scene of `kind` and a product box `aspect` (height / width) high. */
export function placeProduct(kind: string, aspect: number): Placement {
  const maxSide = PLACEMENT_RULES.maxSide[kind as SceneKind] ?? PLACEMENT_RULES.maxSide.custom;
  const width = aspect > 1 ? maxSide / aspect : maxSide;
  return { cx: 0.5, bottom: PLACEMENT_RULES.bottom, width: Math.round(width * 10_000) / 10_000 };
}

/** A placement stored on a candidate (JSON); null for anything else. */
export function parsePlacement(json: string | null): Placement | null {
  if (!json) return null;
  try {
    const p = JSON.parse(json) as Partial<Placement>;
    const unit = (v: unknown): v is number => typeof v === "number" && v > 0 && v <= 1;
    return unit(p.cx) && unit(p.bottom) && unit(p.width) ? { cx: p.cx, bottom: p.bottom, width: p.width } : null;
  } catch {
    return null;
  }
}
