import type { ModelProfile } from "../config";

/**
 * Training and sampling settings per model profile. The sd21 profiles follow the paper (UNet 1500
 * steps, text encoder 200, 25 DPM-Solver steps or 50 for "quality"); the tiny profile trains a few
 * dozen steps so that the whole pipeline runs on a CPU in seconds.
 */
export interface TuningSettings {
  steps: { unet: number; textEncoder: number; adaptive: boolean };
  sampleSteps: { standard: number; quality: number };
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
    sampleSteps: { standard: 25, quality: 50 },
    checkpointEvery: 250,
  },
  "sd21-lora": {
    steps: { unet: 1500, textEncoder: 200, adaptive: true },
    sampleSteps: { standard: 25, quality: 50 },
    checkpointEvery: 250,
  },
};
