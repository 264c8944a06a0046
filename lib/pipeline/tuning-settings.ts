import type { ModelProfile } from "../config";

/**
 * Training and sampling settings per model profile. The sd21 profiles follow the paper
 * (docs/recipe.md): the text encoder alone for 200 steps, then the UNet alone for 1500 (fewer for a
 * simple subject); their sampling steps are the tuner's (50, or about 20 for a subject its adaptive
 * rule found simple; "quality" always 50). The tiny profile trains a few dozen steps and samples a
 * few, so that the whole pipeline runs on a CPU in seconds.
 */
export interface TuningSettings {
  steps: { unet: number; textEncoder: number; adaptive: boolean };
  /** DPM-Solver steps; null: the tuner's recipe, which knows the trained subject. */
  sampleSteps: { standard: number; quality: number } | null;
  /** Training steps between checkpoints: a killed job resumes from the last one. */
  checkpointEvery: number;
}

export const TUNING_SETTINGS: Record<ModelProfile, TuningSettings> = {
  tiny: {
    steps: { unet: 30, textEncoder: 10, adaptive: false },
    sampleSteps: { standard: 10, quality: 25 },
    checkpointEvery: 10,
  },
  sd21: {
    steps: { unet: 1500, textEncoder: 200, adaptive: true },
    sampleSteps: null,
    checkpointEvery: 250,
  },
  "sd21-lora": {
    steps: { unet: 1500, textEncoder: 200, adaptive: true },
    sampleSteps: null,
    checkpointEvery: 250,
  },
};

/** The paper's calibration of the text-encoder steps (its ablation): from 100, +50 per try. */
export const TEXT_ENCODER_CALIBRATION = { from: 100, step: 50 } as const;

/** The calibration's first `tries` text-encoder step counts: 100, 150, 200, ... */
export function textEncoderCalibrationSteps(tries: number): number[] {
  return Array.from({ length: tries }, (_, i) => TEXT_ENCODER_CALIBRATION.from + i * TEXT_ENCODER_CALIBRATION.step);
}
