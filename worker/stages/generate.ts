import { createHash, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../lib/config";
import { exactLayer, productAspect } from "../../lib/images/exact-product";
import { placeProduct, type Placement } from "../../lib/images/placement";
import { TRAINING_SIZE } from "../../lib/images/prepare-photo";
import { normalizeModes, type GenerationMode } from "../../lib/pipeline/generation-modes";
import { parseGenerationOptions, parseGenerationScenes } from "../../lib/pipeline/request-scenes";
import { TUNING_SETTINGS } from "../../lib/pipeline/tuning-settings";
import { blobKey } from "../../lib/storage";
import { runTuner, tunerEnv } from "../tuner-pool";
import type { StageDefinition } from "./runner";
import { chooseExactSource } from "./exact-source";
import { restoreArtifact, subjectWorkDir, writeAtomically } from "./workdir";
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

/** The work folder of a fast-lane request, which has no tuning run (and so no settings hash) of its own. */
const BASE_MODEL_FOLDER = "base-model";

/**
 * Stage 5: the chosen scenes × images per scene from the product's tuned weights (DPM-Solver),
 * with the same "a <class> <identifier> …" template as the training captions. Each image becomes
 * a Candidate row and a stored PNG. Exact-product images (lib/pipeline/generation-modes.ts) get the
 * same scenes again, each with a layer: the product's own pixels placed for that scene, which the
 * tuner keeps while it paints the rest; a fast-lane request has no tuned weights and uses the base model.
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
      const options = parseGenerationOptions(generation.options);
      const modes = normalizeModes(options.modes);
      // Tuned scenes first, then the same scenes as exact-product images.
      const entries = modes.flatMap((mode) => scenes.map((scene) => ({ mode, scene })));
      const expected = entries.length * generation.imagesPerScene;
      const existing = await ctx.db.candidate.count({ where: { generationId: generation.id } });
      if (existing === expected) return { candidates: existing, reused: true, modelSeconds: 0 };
      const run = generation.tuningRun;
      const tuned = generation.lane !== "fast";
      if (tuned && !run?.adapterBlobKey) throw new Error(`generation ${generation.id} has no tuned weights`);
      await ctx.db.subject.update({ where: { id: generation.subjectId }, data: { state: "generating" } });

      const workDir = subjectWorkDir(
        cfg.workDir,
        ctx.shop,
        generation.subjectId,
        run?.settingsHash ?? BASE_MODEL_FOLDER,
      );
      const weights = tuned
        ? await restoreArtifact(ctx.store, run!.adapterBlobKey!, path.join(workDir, "weights", run!.id))
        : null;
      const exact = modes.includes("exact")
        ? await chooseExactSource(ctx.db, ctx.store, ctx.shop, generation.subjectId)
        : null;
      const layers: Array<{ file: string; placement: Placement } | null> = [];
      for (const [index, entry] of entries.entries()) {
        if (entry.mode !== "exact" || !exact) {
          layers.push(null);
          continue;
        }
        const placement = placeProduct(entry.scene.kind, productAspect(exact.source));
        const file = path.join(workDir, "layers", generation.id, `${index}.png`);
        await writeAtomically(file, await exactLayer(exact.source, placement, TRAINING_SIZE));
        layers.push({ file, placement });
      }
      const quality = options.quality === "quality";
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
            scenes: entries.map((entry) => entry.scene.text),
            ...(exact ? { layers: layers.map((layer) => layer?.file ?? null) } : {}),
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
      if (result.images.length !== expected)
        throw new Error(`the tuner made ${result.images.length} images; ${expected} were asked for`);

      // A retry after a crash between the inserts starts the request's candidates afresh.
      await ctx.db.candidate.deleteMany({ where: { generationId: generation.id } });
      for (const [index, image] of result.images.entries()) {
        const entryIndex = Math.floor(index / generation.imagesPerScene);
        const { mode, scene } = entries[entryIndex]!;
        if (image.mode && image.mode !== mode)
          throw new Error(`image ${index} came back as ${image.mode}; ${mode} was asked for`);
        const layer = layers[entryIndex];
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
            mode: mode satisfies GenerationMode,
            ...(layer && exact ? { placement: JSON.stringify(layer.placement), sourceImageId: exact.image.id } : {}),
          },
        });
      }
      return { candidates: result.images.length, reused: false, modelSeconds: clock.seconds };
    },
  };
}
