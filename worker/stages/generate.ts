import { createHash, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../lib/config";
import { parseGenerationOptions, parseGenerationScenes } from "../../lib/pipeline/request-scenes";
import { TUNING_SETTINGS } from "../../lib/pipeline/tuning-settings";
import { blobKey } from "../../lib/storage";
import { runTuner, tunerEnv } from "../tuner-pool";
import type { StageDefinition } from "./runner";
import { restoreArtifact, subjectWorkDir } from "./workdir";
import { ModelClock } from "./model-clock";

export interface GenerateOutput {
  candidates: number;
  reused: boolean;
  /** Seconds spent on the tuner's job. */
  modelSeconds: number;
}

/** A stable seed per request, so a retried generation draws the same images. */
function requestSeed(generationId: string): number {
  return createHash("sha256").update(generationId).digest().readUInt32BE(0) % 2 ** 30;
}

/**
 * Stage 5: the chosen scenes × images per scene from the product's tuned weights (DPM-Solver),
 * with the same "a <class> <identifier> …" template as the training captions. Each image becomes
 * a Candidate row and a stored PNG.
 */
export function generateStage(cfg: Config): StageDefinition<GenerateOutput> {
  return {
    name: "generate",
    async run(ctx) {
      const generation = await ctx.db.generation.findUniqueOrThrow({
        where: { id: ctx.generationId },
        include: { subject: true, tuningRun: true },
      });
      const scenes = parseGenerationScenes(generation.scenes);
      const expected = scenes.length * generation.imagesPerScene;
      const existing = await ctx.db.candidate.count({ where: { generationId: generation.id } });
      if (existing === expected) return { candidates: existing, reused: true, modelSeconds: 0 };
      const run = generation.tuningRun;
      if (!run?.adapterBlobKey) throw new Error(`generation ${generation.id} has no tuned weights`);
      await ctx.db.subject.update({ where: { id: generation.subjectId }, data: { state: "generating" } });

      const workDir = subjectWorkDir(cfg.workDir, ctx.shop, generation.subjectId, run.settingsHash);
      const weights = await restoreArtifact(ctx.store, run.adapterBlobKey, path.join(workDir, "weights", run.id));
      const quality = parseGenerationOptions(generation.options).quality === "quality";
      const sampleSteps = TUNING_SETTINGS[cfg.modelProfile].sampleSteps;
      const clock = new ModelClock();
      const result = await clock.time(() =>
        runTuner({
          mode: cfg.tunerMode,
          python: cfg.python,
          command: "generate",
          timeoutMs: cfg.tunerTimeoutMs,
          workDir,
          env: tunerEnv(cfg),
          spec: {
            profile: cfg.modelProfile,
            outputDir: path.join(workDir, "generations", generation.id),
            classNoun: generation.subject.classNoun,
            identifier: generation.subject.identifierToken,
            seed: requestSeed(generation.id),
            weights,
            scenes: scenes.map((scene) => scene.text),
            numImages: generation.imagesPerScene,
            quality,
            steps: sampleSteps ? (quality ? sampleSteps.quality : sampleSteps.standard) : undefined,
          },
          onProgress: async (event) => {
            if (event.stage === "generate" && event.total > 0)
              await ctx.progress(event.step / event.total, event.eta_s ?? undefined);
          },
        }),
      );

      // A retry after a crash between the inserts starts the request's candidates afresh.
      await ctx.db.candidate.deleteMany({ where: { generationId: generation.id } });
      for (const [index, image] of result.images.entries()) {
        const scene = scenes[Math.floor(index / generation.imagesPerScene)]!;
        const id = randomUUID();
        const key = blobKey(ctx.shop, "subjects", generation.subjectId, "candidates", `${id}.png`);
        await ctx.store.put(key, await readFile(image.path), { contentType: "image/png" });
        await ctx.db.candidate.create({
          data: {
            id,
            shop: ctx.shop,
            generationId: generation.id,
            subjectId: generation.subjectId,
            sceneId: scene.id,
            sceneKind: scene.kind,
            prompt: image.prompt,
            seed: image.seed,
            imageBlobKey: key,
          },
        });
      }
      return { candidates: result.images.length, reused: false, modelSeconds: clock.seconds };
    },
  };
}
