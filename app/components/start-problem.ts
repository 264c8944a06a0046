import { dailyResetLabel } from "../../lib/pipeline/daily-images";
import type { GenerationMode } from "../../lib/db/enums";
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
  /** The kinds of images asked for; exact only is the fast lane, which tunes nothing. */
  modes?: readonly GenerationMode[];
  /** Why the picked photos cannot give exact-product images, or null. */
  exactProblem?: string | null;
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
  modes = ["tuned"],
  exactProblem = null,
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
  if (exactProblem && modes.includes("exact")) return exactProblem;
  // The photo check's guidance is for tuning: the fast lane only needs one usable photo.
  if (!modes.includes("tuned")) return check && check.usableCount === 0 ? "None of the photos can be used." : null;
  // The border-only check's blocking issues may be lifted by the model: the worker's check decides.
  if (check?.modelCheck === "pending") return null;
  const issues = check?.issues ?? [];
  if (issues.some((i) => i.severity === "blocking" && i.code !== "low_background_diversity"))
    return "Fix the photo check's problems first.";
  if (issues.some((i) => i.code === "low_background_diversity") && !allowLowDiversity) {
    return "The photos share one background: add varied photos, or tick “Continue anyway”.";
  }
  return null;
}
