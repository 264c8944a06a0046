import type { TunerSpec } from "../../worker/tuner-contract";

/** The train-spec fields a recipe variant sets over the profile's own settings (nested objects merge). */
export type TrainOverrides = Partial<Pick<TunerSpec<"train">, "mode" | "lr" | "prior" | "lora">>;

export interface RecipeVariant {
  description: string;
  train: TrainOverrides;
}

/**
 * Recipe variants that `npm run eval -- --compare A,B` can set against each other: one line each.
 * Everything not named here (subjects, captions, prompts, seeds, steps) is the same for both.
 */
export const VARIANTS = {
  full: { description: "full fine-tune of UNet and text encoder (the paper)", train: { mode: "full" } },
  lora: {
    description: "LoRA on the attention projections, rank 8 (production on tiny and sd21-lora)",
    train: { mode: "lora" },
  },
  "lora-r4": { description: "LoRA, rank 4", train: { mode: "lora", lora: { rank: 4 } } },
  "lora-r16": { description: "LoRA, rank 16", train: { mode: "lora", lora: { rank: 16 } } },
  "no-prior": { description: "no prior-preservation loss (no class images)", train: { prior: { enabled: false } } },
} as const satisfies Record<string, RecipeVariant>;

export type VariantName = keyof typeof VARIANTS;

export function isVariant(name: string): name is VariantName {
  return Object.hasOwn(VARIANTS, name);
}
