import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../lib/config";
import { TUNING_SETTINGS } from "../../lib/pipeline/tuning-settings";
import { recordUsage } from "../../lib/usage";
import { parseBlobKey } from "../../lib/storage";
import { runTuner, type TunerProgress } from "../tuner-process";
import type { StageContext } from "./context";
import type { StageDefinition } from "./runner";
import { materialize, storeArtifact, subjectWorkDir } from "./workdir";

export interface TuneOutput {
  tuningRunId: string;
  reused: boolean;
  gpuSeconds: number;
}

interface CaptionResult {
  captions: Array<{ image: string; caption: string }>;
}

interface TrainResult {
  artifact: string;
  steps: { unet: number; text_encoder: number };
}

const CAPTION_SHARE = 0.1;

/** Everything that determines the tuned weights: the same hash means the same adapter can be reused. */
function settingsHash(parts: unknown): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

function progressReporter(ctx: StageContext, from: number, to: number) {
  return async (event: TunerProgress) => {
    const within = event.total > 0 ? event.step / event.total : 0;
    // The train command reports several sub-stages; only "train" carries most of the time.
    const share = event.stage === "train" || event.stage === "caption" ? within : event.stage === "save" ? 1 : 0;
    await ctx.progress(from + (to - from) * share, event.eta_s ?? undefined);
  };
}

/**
 * Stage 4: BLIP-2 captions of the training photos, then DreamBooth/LoRA tuning, in the tuner
 * subprocess on the gpu queue. A re-run with the same photos and settings reuses the stored weights;
 * a killed run resumes from the tuner's last checkpoint in the subject's work folder.
 */
export function tuneStage(cfg: Config): StageDefinition<TuneOutput> {
  return {
    name: "tune",
    async run(ctx) {
      const generation = await ctx.db.generation.findUniqueOrThrow({ where: { id: ctx.generationId }, include: { subject: true } });
      const { subject } = generation;
      const photos = await ctx.db.trainingImage.findMany({
        where: { subjectId: subject.id, excluded: false, preparedBlobKey: { not: null } },
        orderBy: { rank: "asc" },
      });
      const settings = TUNING_SETTINGS[cfg.modelProfile];
      const mode = cfg.modelProfile === "sd21" ? "full" : "lora";
      const photoDigests = await Promise.all(
        photos.map(async (p) => createHash("sha256").update((await ctx.store.get(parseBlobKey(p.preparedBlobKey!).key)).data).digest("hex")),
      );
      const hash = settingsHash({ profile: cfg.modelProfile, mode, steps: settings.steps, classNoun: subject.classNoun, identifier: subject.identifierToken, photoDigests });

      const previous = await ctx.db.tuningRun.findFirst({
        where: { subjectId: subject.id, settingsHash: hash, status: "succeeded", adapterBlobKey: { not: null } },
        orderBy: { finishedAt: "desc" },
      });
      if (previous && (await ctx.store.list(previous.adapterBlobKey!)).length > 0) {
        await ctx.db.generation.update({ where: { id: generation.id }, data: { tuningRunId: previous.id } });
        return { tuningRunId: previous.id, reused: true, gpuSeconds: 0 };
      }

      const run =
        (await ctx.db.tuningRun.findFirst({ where: { subjectId: subject.id, settingsHash: hash, status: { in: ["queued", "running", "failed"] } } })) ??
        (await ctx.db.tuningRun.create({
          data: { shop: ctx.shop, subjectId: subject.id, profile: cfg.modelProfile, mode, settingsHash: hash, steps: settings.steps.unet },
        }));
      const started = Date.now();
      await ctx.db.tuningRun.update({ where: { id: run.id }, data: { status: "running", startedAt: run.startedAt ?? new Date(), error: null } });
      await ctx.db.generation.update({ where: { id: generation.id }, data: { tuningRunId: run.id } });
      await ctx.db.subject.update({ where: { id: subject.id }, data: { state: "training" } });

      const workDir = subjectWorkDir(cfg.workDir, ctx.shop, subject.id, hash);
      const images = await Promise.all(photos.map((p) => materialize(ctx.store, p.preparedBlobKey!, path.join(workDir, "photos", `${p.id}.png`))));
      const common = { profile: cfg.modelProfile, class_noun: subject.classNoun, identifier: subject.identifierToken, seed: 0 };
      const tuner = { python: cfg.python, timeoutMs: cfg.tunerTimeoutMs, workDir, env: { SCENEBOOTH_MODELS_DIR: cfg.modelsDir } };

      const captionsFile = path.join(workDir, "captions", "captions.json");
      const captions: CaptionResult = existsSync(captionsFile)
        ? JSON.parse(await readFile(captionsFile, "utf8"))
        : await runTuner<CaptionResult>({
            ...tuner,
            command: "caption",
            spec: { ...common, output_dir: path.dirname(captionsFile), images },
            onProgress: progressReporter(ctx, 0, CAPTION_SHARE),
          });
      const trained = await runTuner<TrainResult>({
        ...tuner,
        command: "train",
        spec: {
          ...common,
          output_dir: path.join(workDir, "train"),
          cache_dir: path.join(cfg.workDir, "class-images"),
          mode,
          steps: settings.steps,
          checkpoint_every: settings.checkpointEvery,
          instances: captions.captions.map((c) => ({ image: c.image, caption: c.caption })),
        },
        onProgress: progressReporter(ctx, CAPTION_SHARE, 1),
      });

      const adapterKey = await storeArtifact(ctx.store, ctx.shop, ["subjects", subject.id, "weights", run.id], trained.artifact);
      const gpuSeconds = (Date.now() - started) / 1000;
      await ctx.db.tuningRun.update({
        where: { id: run.id },
        data: { status: "succeeded", adapterBlobKey: adapterKey, gpuSeconds, progress: 1, finishedAt: new Date(), steps: trained.steps.unet },
      });
      await recordUsage(ctx.db, ctx.shop, "gpu_seconds", gpuSeconds, `tune:${run.id}`);
      await recordUsage(ctx.db, ctx.shop, "tuned_product", 1, `tune:${run.id}`);
      return { tuningRunId: run.id, reused: false, gpuSeconds };
    },
  };
}
