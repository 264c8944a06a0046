import pLimit from "p-limit";
import sharp from "sharp";
import type { PrismaClient } from "../../lib/db";
import { parseGenerationScenes } from "../../lib/pipeline/request-scenes";
import { enqueuePublish, transitionCandidate } from "../../lib/pipeline/review";
import { scoringPrompt } from "../../lib/prompts";
import type { Producers } from "../../lib/queue/producer";
import { readShopSettings } from "../../lib/shop-settings";
import { blobKey, parseBlobKey } from "../../lib/storage";
import { recordUsage } from "../../lib/usage";
import { config } from "../../lib/config";
import { sendReadyTrigger } from "../../lib/pipeline/ready-trigger";
import {
  DEFAULT_SELECTION_RULE,
  selectCandidates,
  type ReferenceEmbeddings,
  type Scorers,
  type Scores,
} from "../scoring";
import type { StageContext } from "./context";
import type { StageDefinition } from "./runner";
import { ModelClock } from "./model-clock";

export interface ScoreOutput {
  scored: number;
  selected: number;
  autoPublished: number;
  /** Seconds inside the scoring models (loading included). */
  modelSeconds: number;
}

const THUMB_SIZE = 384;
/** Thumbnails made at once: sharp's WebP encoder keeps one core busy, and the worker has two or more. */
const THUMBS_AT_ONCE = 2;

/** The product's real photos' embeddings, computed once per subject and scoring export. */
async function referenceEmbeddings(
  ctx: StageContext,
  scorers: Scorers,
  subjectId: string,
): Promise<ReferenceEmbeddings> {
  const key = blobKey(
    ctx.shop,
    "subjects",
    subjectId,
    `reference-embeddings-${scorers.modelsDigest.slice(0, 16)}.json`,
  );
  if (await ctx.store.exists(key)) return JSON.parse((await ctx.store.get(key)).data.toString()) as ReferenceEmbeddings;
  const photos = await ctx.db.trainingImage.findMany({
    where: { subjectId, excluded: false, preparedBlobKey: { not: null } },
  });
  const images = await Promise.all(
    photos.map(async (p) => (await ctx.store.get(parseBlobKey(p.preparedBlobKey!).key)).data),
  );
  const refs = await scorers.embedReferences(images);
  await ctx.store.put(key, Buffer.from(JSON.stringify(refs)), { contentType: "application/json" });
  return refs;
}

/** Stage 6: the paper's five metrics per candidate, a thumbnail each, and the selection rule applied. */
export function scoreStage(
  client: PrismaClient,
  producers: Producers,
  scorers: () => Promise<Scorers>,
): StageDefinition<ScoreOutput> {
  return {
    name: "score",
    async run(ctx) {
      const generation = await ctx.db.generation.findUniqueOrThrow({
        where: { id: ctx.generationId },
        include: { subject: true },
      });
      const clock = new ModelClock();
      const models = await clock.time(scorers);
      const refs = await clock.time(() => referenceEmbeddings(ctx, models, generation.subjectId));
      const scenes = parseGenerationScenes(generation.scenes);
      const candidates = await ctx.db.candidate.findMany({
        where: { generationId: generation.id },
        orderBy: { createdAt: "asc" },
      });

      // The thumbnails first, side by side (they need no scores), instead of one after each scoring.
      const limit = pLimit(THUMBS_AT_ONCE);
      const toScore = candidates.filter((candidate) => !(candidate.itm !== null && candidate.thumbBlobKey));
      const made = new Map(
        await Promise.all(
          toScore.map((candidate) =>
            limit(async () => {
              const image = (await ctx.store.get(parseBlobKey(candidate.imageBlobKey).key)).data;
              const thumb = await sharp(image).resize(THUMB_SIZE, THUMB_SIZE).webp({ quality: 82 }).toBuffer();
              return [candidate.id, { image, thumb }] as const;
            }),
          ),
        ),
      );

      for (const [index, candidate] of candidates.entries()) {
        await ctx.progress(index / candidates.length);
        const pending = made.get(candidate.id);
        if (!pending) continue;
        const { image, thumb } = pending;
        const sceneText = scenes.find((scene) => scene.id === candidate.sceneId)?.text ?? "";
        const scores = await clock.time(() =>
          models.scoreCandidate(image, scoringPrompt(generation.subject.classNoun, sceneText), refs),
        );
        const thumbKey = blobKey(
          ctx.shop,
          "subjects",
          generation.subjectId,
          "candidates",
          `${candidate.id}-thumb.webp`,
        );
        await ctx.store.put(thumbKey, thumb, { contentType: "image/webp" });
        await ctx.db.candidate.update({ where: { id: candidate.id }, data: { ...scores, thumbBlobKey: thumbKey } });
      }

      const settings = await readShopSettings(client, ctx.shop);
      const rule = {
        metric: "itm" as const,
        threshold: settings.itmThreshold,
        floors: {
          dino: settings.fidelityFloorDino ?? DEFAULT_SELECTION_RULE.floors.dino,
          clipI: settings.fidelityFloorClipI ?? DEFAULT_SELECTION_RULE.floors.clipI,
        },
      };
      const scored = await ctx.db.candidate.findMany({ where: { generationId: generation.id } });
      const ranked = selectCandidates(
        scored.map((c) => ({
          id: c.id,
          state: c.state,
          scores: { dino: c.dino, clipI: c.clipI, clipT: c.clipT, itm: c.itm, itc: c.itc } as Scores,
        })),
        rule,
      );
      await ctx.db.$transaction(async (tx) => {
        for (const { id, selected } of ranked) await tx.candidate.update({ where: { id }, data: { selected } });
      });
      const selected = ranked.filter((r) => r.selected);

      let autoPublished = 0;
      if (settings.autoPublish) {
        for (const item of selected) {
          if (item.state !== "pending") continue;
          // Conditional: an image the merchant rejected meanwhile stays rejected.
          if (!(await transitionCandidate(ctx.client, ctx.shop, item.id, ["pending"], "approved"))) continue;
          await enqueuePublish(producers, ctx.shop, item.id);
          autoPublished += 1;
        }
      }
      await ctx.db.generation.update({
        where: { id: generation.id },
        data: { status: "succeeded", progress: 1, finishedAt: new Date(), etaAt: null },
      });
      await ctx.db.subject.update({
        where: { id: generation.subjectId },
        data: { state: autoPublished > 0 ? "publishing" : "review" },
      });
      await recordUsage(ctx.db, ctx.shop, "images_generated", candidates.length, generation.id);
      // The images are ready whether or not Shopify Flow hears of it: a refused trigger is logged, not
      // a failed request (its claim is given back, so a retry of this stage would send it).
      await ctx
        .admin()
        .then((admin) => sendReadyTrigger(ctx.client, admin, ctx.shop, generation.id, config().shopify.apiKey))
        .catch((error: Error) => ctx.log(`the Flow trigger "ready for review" was not sent: ${error.message}`));
      return { scored: candidates.length, selected: selected.length, autoPublished, modelSeconds: clock.seconds };
    },
  };
}
