import { config } from "../lib/config";
import { loadScorers, type Scorers } from "./scoring";
import { prepareUpscaler, type Upscaler } from "./upscale";

/** Model sessions are expensive to open: one of each per worker process, opened on first use. */
let scorers: Promise<Scorers> | undefined;
let upscaler: Promise<Upscaler> | undefined;

export function sharedScorers(): Promise<Scorers> {
  const cfg = config();
  scorers ??= loadScorers({
    modelsDir: cfg.modelsDir,
    profile: cfg.modelProfile,
    executionProvider: cfg.executionProvider,
  });
  return scorers;
}

export function sharedUpscaler(): Promise<Upscaler> {
  const cfg = config();
  upscaler ??= prepareUpscaler({
    modelsDir: cfg.modelsDir,
    tier: cfg.upscaleTier,
    scale: 4,
    modelPath: cfg.upscaleModel ?? undefined,
    executionProvider: cfg.executionProvider,
  });
  return upscaler;
}

export async function closeModels(): Promise<void> {
  await Promise.all([scorers?.then((s) => s.close()), upscaler?.then((u) => u.close())]);
  scorers = upscaler = undefined;
}
