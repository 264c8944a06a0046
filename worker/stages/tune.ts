import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { assertCanSpend, chargeUsage, currentUsagePlan, type UsagePlan } from "../../lib/billing";
import type { Config } from "../../lib/config";
import { AUGMENTATION } from "../../lib/dataset/augmentation";
import { TUNING_SETTINGS } from "../../lib/pipeline/tuning-settings";
import { PRICES_USD, recordUsage, usageKey } from "../../lib/usage";
import { parseBlobKey } from "../../lib/storage";
import { RESULT_FILE, resultFromWire, specFieldToWire, type TunerResult } from "../tuner-contract";
import { runTuner, tunerEnv } from "../tuner-pool";
import type { TunerProgress } from "../tuner-process";
import { ModelClock } from "./model-clock";
import { withSharedClassImages } from "./class-images";
import { augmentedByReport, ensureBackgrounds, writeComposites } from "./augment";
import type { StageContext } from "./context";
import { compositeMatte } from "./segmenter";
import { throwBillingRefusal } from "./errors";
import { assertProductExists } from "./product-exists";
import type { StageDefinition } from "./runner";
import { materialize, storeArtifact, subjectWorkDir } from "./workdir";

export interface TuneOutput {
  tuningRunId: string;
  reused: boolean;
  /** Seconds spent on the tuner's jobs (caption and train), 0 when nothing was trained. */
  modelSeconds: number;
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

/** The shop's plan, once it is clear that this request's tuning fits under both caps; throws the merchant's billing problem. */
async function tuningPlan(ctx: StageContext, generationId: string): Promise<UsagePlan> {
  try {
    const plan = await currentUsagePlan(await ctx.admin());
    await assertCanSpend(ctx.client, ctx.shop, plan, PRICES_USD.tuned_product, { chargingGeneration: generationId });
    return plan!;
  } catch (error) {
    throwBillingRefusal(error);
  }
}

interface TrainInput {
  subjectId: string;
  classNoun: string;
  identifier: string;
  hash: string;
  mode: "full" | "lora";
  runId: string;
  photos: Array<{ id: string; preparedBlobKey: string | null }>;
  /** Train on composites of the product on generated backgrounds too (the dataset check's decision). */
  augmented: boolean;
}

/** Captions (kept in the work folder) and training in the tuner; stores the weights and returns their key. */
async function train(
  ctx: StageContext,
  cfg: Config,
  input: TrainInput,
): Promise<{ adapterKey: string; modelSeconds: number; steps: number }> {
  const clock = new ModelClock();
  const settings = TUNING_SETTINGS[cfg.modelProfile];
  const workDir = subjectWorkDir(cfg.workDir, ctx.shop, input.subjectId, input.hash);
  const photos = await Promise.all(
    input.photos.map((p) => materialize(ctx.store, p.preparedBlobKey!, path.join(workDir, "photos", `${p.id}.png`))),
  );
  const common = { profile: cfg.modelProfile, classNoun: input.classNoun, identifier: input.identifier, seed: 0 };
  const tuner = {
    mode: cfg.tunerMode,
    python: cfg.python,
    timeoutMs: cfg.tunerTimeoutMs,
    workDir,
    env: tunerEnv(cfg),
  };

  // Kept from an earlier attempt of this run: a retry after a failed train step captions nothing again.
  const captionsFile = path.join(workDir, "captions", RESULT_FILE);
  const composites =
    input.augmented && !existsSync(captionsFile)
      ? await writeComposites(
          photos,
          await clock.time(() =>
            ensureBackgrounds(ctx.store, cfg, tuner, { classNoun: input.classNoun, cacheDir: cfg.workDir }, ctx.log),
          ),
          path.join(workDir, "composites"),
          await compositeMatte(),
        )
      : [];
  const images = [...photos, ...composites];
  const captions: TunerResult<"caption"> = existsSync(captionsFile)
    ? resultFromWire("caption", JSON.parse(await readFile(captionsFile, "utf8")))
    : await clock.time(() =>
        runTuner({
          ...tuner,
          command: "caption",
          spec: { ...common, outputDir: path.dirname(captionsFile), images },
          onProgress: progressReporter(ctx, 0, CAPTION_SHARE),
        }),
      );
  const cacheDir = path.join(cfg.workDir, "class-images");
  const trained = await withSharedClassImages(ctx.store, cfg, input.classNoun, cacheDir, ctx.log, () =>
    clock.time(() =>
      runTuner({
        ...tuner,
        command: "train",
        spec: {
          ...common,
          outputDir: path.join(workDir, "train"),
          cacheDir,
          mode: input.mode,
          steps: settings.steps,
          checkpointEvery: settings.checkpointEvery,
          instances: captions.captions.map((c) => ({ image: c.image, caption: c.caption })),
        },
        onProgress: progressReporter(ctx, CAPTION_SHARE, 1),
      }),
    ),
  );
  const adapterKey = await storeArtifact(
    ctx.store,
    ctx.shop,
    ["subjects", input.subjectId, "weights", input.runId],
    trained.artifact,
  );
  return { adapterKey, modelSeconds: clock.seconds, steps: trained.steps.unet };
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
      const generation = await ctx.db.generation.findUniqueOrThrow({
        where: { id: ctx.generationId },
        include: { subject: true },
      });
      const { subject } = generation;
      const photos = await ctx.db.trainingImage.findMany({
        where: { subjectId: subject.id, excluded: false, preparedBlobKey: { not: null } },
        orderBy: { rank: "asc" },
      });
      const settings = TUNING_SETTINGS[cfg.modelProfile];
      const mode = cfg.modelProfile === "sd21" ? "full" : "lora";
      const photoDigests = await Promise.all(
        photos.map(async (p) =>
          createHash("sha256")
            .update((await ctx.store.get(parseBlobKey(p.preparedBlobKey!).key)).data)
            .digest("hex"),
        ),
      );
      const steps = specFieldToWire("train", "steps", settings.steps); // the wire's names, as hashes were always made
      const augmented = augmentedByReport(subject.datasetReport);
      const hash = settingsHash({
        profile: cfg.modelProfile,
        mode,
        steps,
        classNoun: subject.classNoun,
        identifier: subject.identifierToken,
        photoDigests,
        // Only an augmented set's hash names it: every earlier run's hash (and its stored weights) stays valid.
        ...(augmented ? { augmentation: AUGMENTATION } : {}),
      });

      const previous = await ctx.db.tuningRun.findFirst({
        where: { subjectId: subject.id, settingsHash: hash, status: "succeeded", adapterBlobKey: { not: null } },
        orderBy: { finishedAt: "desc" },
      });
      if (previous && (await ctx.store.list(previous.adapterBlobKey!)).length > 0) {
        await ctx.db.generation.update({ where: { id: generation.id }, data: { tuningRunId: previous.id } });
        return { tuningRunId: previous.id, reused: true, modelSeconds: 0 };
      }

      // A run an earlier try (or an earlier request for the product) left unfinished is resumed.
      const unfinished = await ctx.db.tuningRun.findFirst({
        where: { subjectId: subject.id, settingsHash: hash, status: { in: ["queued", "running", "failed"] } },
      });
      const paid =
        unfinished !== null &&
        (await ctx.db.usageRecord.count({
          where: { idempotencyKey: usageKey(ctx.shop, "tuned_product", unfinished.id) },
        })) > 0;
      // Before any GPU time: the plan, and room under both caps for this product's charge.
      const plan = paid ? null : await tuningPlan(ctx, generation.id);
      const run =
        unfinished ??
        (await ctx.db.tuningRun.create({
          data: {
            shop: ctx.shop,
            subjectId: subject.id,
            profile: cfg.modelProfile,
            mode,
            settingsHash: hash,
            steps: settings.steps.unet,
          },
        }));
      await ctx.db.tuningRun.update({
        where: { id: run.id },
        data: { status: "running", startedAt: run.startedAt ?? new Date(), error: null },
      });
      await ctx.db.generation.update({ where: { id: generation.id }, data: { tuningRunId: run.id } });
      await ctx.db.subject.update({ where: { id: subject.id }, data: { state: "training" } });

      // Weights stored by a try that died before the charge are not trained again.
      const trainedBefore = run.adapterBlobKey !== null && (await ctx.store.list(run.adapterBlobKey)).length > 0;
      const trained = trainedBefore
        ? { adapterKey: run.adapterBlobKey!, modelSeconds: 0, steps: run.steps }
        : await train(ctx, cfg, {
            subjectId: subject.id,
            classNoun: subject.classNoun,
            identifier: subject.identifierToken,
            hash,
            mode,
            runId: run.id,
            photos,
            augmented,
          });
      // The run's GPU seconds: the tuner's time, in whichever try trained it.
      const gpuSeconds = trainedBefore ? run.gpuSeconds : trained.modelSeconds;
      await ctx.db.tuningRun.update({
        where: { id: run.id },
        data: { adapterBlobKey: trained.adapterKey, gpuSeconds, steps: trained.steps },
      });

      // Charged before the run is marked succeeded, keyed by the run: a retry or a later request that
      // resumes this run charges the same key (once on Shopify, once locally); reused weights are not charged.
      if (!paid) {
        // A product deleted meanwhile is not charged: products/delete cancels its request, and a late
        // or lost webhook is caught by asking the store.
        await ctx.checkCancelled();
        await assertProductExists(await ctx.admin(), subject.productId);
        await chargeUsage(ctx.client, await ctx.admin(), plan, {
          shop: ctx.shop,
          kind: "tuned_product",
          quantity: 1,
          eventKey: run.id,
          description: `Taught the model: ${subject.productTitle}`,
        }).catch(throwBillingRefusal);
      }
      await recordUsage(ctx.db, ctx.shop, "gpu_seconds", gpuSeconds, `tune:${run.id}`);
      await ctx.db.tuningRun.update({
        where: { id: run.id },
        data: { status: "succeeded", progress: 1, finishedAt: new Date() },
      });
      return { tuningRunId: run.id, reused: false, modelSeconds: trained.modelSeconds };
    },
  };
}
