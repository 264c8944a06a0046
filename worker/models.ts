import { config } from "../lib/config";
import { openSegmenter, segmenterDir, type Segmenter } from "../lib/images/segment";
import { loadScorers, type Scorers } from "./scoring";
import { createSession } from "./scoring/session";
import { prepareUpscaler, type Upscaler } from "./upscale";

/** Model sessions are expensive to open: one of each per worker process, opened on first use. */
let scorers: Promise<Scorers> | undefined;
let upscaler: Promise<Upscaler> | undefined;
let segmenter: Promise<Segmenter> | undefined;

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

/** The product segmenter; a failed open (missing or altered files) is not cached, so a later call tries again. */
export function sharedSegmenter(): Promise<Segmenter> {
  const cfg = config();
  segmenter ??= openSegmenter(cfg.segmenterDir ?? segmenterDir(cfg.modelsDir, cfg.modelProfile), (file) =>
    createSession(file, { executionProvider: cfg.executionProvider }),
  ).catch((error: unknown) => {
    segmenter = undefined;
    throw error;
  });
  return segmenter;
}

export async function closeModels(): Promise<void> {
  await Promise.all([
    scorers?.then((s) => s.close()),
    upscaler?.then((u) => u.close()),
    segmenter?.then((s) => s.close()).catch(() => undefined),
  ]);
  scorers = upscaler = segmenter = undefined;
}
