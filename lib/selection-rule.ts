// Which generated images are shown to the merchant first: the worker applies the rule, the settings
// page shows its default floors.

/** The paper's five internal metrics, in its order: subject fidelity first, then prompt fidelity. */
export const SCORE_METRICS = ["dino", "clipI", "clipT", "itm", "itc"] as const;
export type Metric = (typeof SCORE_METRICS)[number];

/**
 * Which candidates are auto-selected. A candidate is selected when `metric > threshold` (the paper
 * shows people the images with ITM > 0.9) AND every fidelity floor holds: ITM only says the image
 * fits the prompt, so a prompt-faithful image of the wrong product is kept out by DINO / CLIP-I.
 */
export interface SelectionRule {
  metric: Metric;
  threshold: number;
  /** Minimum subject-fidelity scores; a candidate under any floor is never selected. */
  floors: Partial<Record<"dino" | "clipI", number>>;
  /** At most this many selected (best first); unlimited when absent. */
  maxSelected?: number;
}

/**
 * Defaults for the real models. The floors sit below DreamBench's generated-image means (DINO 0.67,
 * CLIP-I 0.80 for DreamBooth on SD) and above what a different object of the same class scores.
 * The tiny profile's scores are noise: give it its own rule or expect nothing to be selected.
 */
export const DEFAULT_SELECTION_RULE: SelectionRule = {
  metric: "itm",
  threshold: 0.9,
  floors: { dino: 0.5, clipI: 0.75 },
};
