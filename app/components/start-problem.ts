import { dailyResetLabel } from "../../lib/pipeline/daily-images";
import { normalizeClassNoun } from "../../lib/prompts";
import type { PhotoCheckView } from "./photo-check-types";

export function isValidClassNoun(classNoun: string): boolean {
  try {
    normalizeClassNoun(classNoun);
    return true;
  } catch {
    return false;
  }
}

export interface StartInputs {
  photoCount: number;
  sceneCount: number;
  classNounValid: boolean;
  check: PhotoCheckView | null;
  allowLowDiversity: boolean;
  /** Scenes × images per scene, and what is left of the shop's daily image limit. */
  images?: { requested: number; leftToday: number; resetsAt: string };
}

/** Why "Generate scenes" cannot start yet, in the order the merchant should fix things; null when it can. */
export function startProblem({
  photoCount,
  sceneCount,
  classNounValid,
  check,
  allowLowDiversity,
  images,
}: StartInputs): string | null {
  if (photoCount === 0) return "Pick the photos to learn from.";
  if (sceneCount === 0) return "Pick at least one scene.";
  if (images && images.requested > images.leftToday) {
    return images.leftToday === 0
      ? `No images are left today; the daily limit resets ${dailyResetLabel(images.resetsAt)}.`
      : `Only ${images.leftToday} images are left today: pick fewer scenes or images (the limit resets ${dailyResetLabel(images.resetsAt)}).`;
  }
  if (!classNounValid) return "Fix the class noun.";
  const issues = check?.issues ?? [];
  if (issues.some((i) => i.severity === "blocking" && i.code !== "low_background_diversity"))
    return "Fix the photo check's problems first.";
  if (issues.some((i) => i.code === "low_background_diversity") && !allowLowDiversity) {
    return "The photos share one background: add varied photos, or tick “Continue anyway”.";
  }
  return null;
}
