// The dataset check as the studio shows it, whether it comes from the last request (the worker's
// report) or from a preview of the photos picked now. Photo ids are Shopify media ids.

export interface PhotoVerdictView {
  mediaId: string;
  use: boolean;
  rank: number;
  reason: string | null;
  /** The training crop: a square of the photo in its pixels (it may reach past the edges) and the padding there. */
  crop?: {
    box: { left: number; top: number; size: number };
    padding: { left: number; top: number; right: number; bottom: number };
  } | null;
  /** Whether the photo is on a plain backdrop (its product found by the matte); null when not checked. */
  plainBackdrop?: boolean | null;
  /** Exact mode can take the product from this photo (the worker's rule, lib/images/exact-product.ts); null when not checked. */
  cutOut?: boolean | null;
  /** The product matte the check used: the border's, or the segmentation model's on a busy background. */
  matte?: "border" | "model" | null;
}

/**
 * The segmentation model's part in a preview: not needed (every used photo's border matte makes a
 * clean cut-out), pending (the worker is checking the busy backgrounds; the view is the border-only
 * check meanwhile), done (the view is the worker's check, with the model), failed (the border-only
 * check, with an issue that says why).
 */
export type ModelCheck = "not-needed" | "pending" | "done" | "failed";

/** What the photo check card says while the model check is pending. */
export const MODEL_CHECK_PENDING = "Checking busy backgrounds with the segmentation model…";

export interface PhotoIssueView {
  code: string;
  severity: "blocking" | "warning" | "info";
  message: string;
  mediaIds: string[];
}

export interface PhotoCheckView {
  source: "preview" | "last-request";
  status: "ok" | "warning" | "blocked";
  usableCount: number;
  backgroundDiversity: { medianDeltaE: number | null; threshold: number; low: boolean };
  photos: PhotoVerdictView[];
  issues: PhotoIssueView[];
  /** The media the check covered, sorted. */
  mediaIds: string[];
  /** Absent: "done" (the last request's check ran on the worker, with the model where it was needed). */
  modelCheck?: ModelCheck;
}

export const sameMediaSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((id, i) => id === [...b].sort()[i]);

/**
 * Where the training crop lies on a square tile that shows the whole photo (object-fit: contain),
 * in percent of the tile: the photo is centred, its long side filling the tile.
 */
export function cropOnTile(
  width: number,
  height: number,
  crop: NonNullable<PhotoVerdictView["crop"]>,
): { left: number; top: number; size: number; padded: boolean } {
  const scale = 100 / Math.max(width, height);
  const [offsetX, offsetY] = [(100 - width * scale) / 2, (100 - height * scale) / 2];
  const { left, top, right, bottom } = crop.padding;
  return {
    left: offsetX + crop.box.left * scale,
    top: offsetY + crop.box.top * scale,
    size: crop.box.size * scale,
    padded: left + top + right + bottom > 0,
  };
}
