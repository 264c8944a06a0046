// Requests and approved images that stopped because Shopify refused the shop's tokens ("Open
// SceneBooth to reconnect your store"): once the merchant has reconnected (any page of the app loads
// with a fresh session), one action re-queues them, each from the stage that stopped. The stages before it are not run
// again (their results are stored: photos, the dataset report, tuned weights), and the stage jobs
// keep their fixed ids, so a resumed request cannot run twice.
import type { Generation, PrismaClient } from "../db";
import { forShop } from "../db";
import type { SubjectState } from "../db/enums";
import type { Producers } from "../queue/producer";
import { RECONNECT_MESSAGE } from "../shopify-admin/offline-tokens";
import { requestFlow } from "./flow";
import { settleChain } from "./review";
import { PIPELINE_STAGES, stageJobId, type PipelineStage } from "./stages";

const OPEN = ["queued", "running"];

export interface StoppedRequest {
  id: string;
  productId: string;
  productTitle: string;
  /** The stage it stopped in, where it resumes. */
  stage: PipelineStage;
}

/** What the subject shows once its request is queued again from `stage`, until that stage reports. */
const RESUMED_STATE: Record<PipelineStage, SubjectState> = {
  ingest: "checking",
  prepare: "checking",
  "dataset-check": "checking",
  tune: "training",
  generate: "generating",
  score: "generating",
};

const asStage = (stage: string | null): PipelineStage =>
  PIPELINE_STAGES.find((s) => s.name === stage)?.name ?? "ingest";

type ShopDb = ReturnType<typeof forShop>;

/** The shop's requests stopped for reconnecting, each still its product's latest request. */
async function stopped(
  db: ShopDb,
): Promise<Array<Generation & { subject: { productId: string; productTitle: string } }>> {
  const failed = await db.generation.findMany({
    where: { status: "failed", error: RECONNECT_MESSAGE, cancelRequested: false },
    include: { subject: { select: { productId: true, productTitle: true } } },
    orderBy: { createdAt: "asc" },
  });
  if (failed.length === 0) return [];
  // A newer request of the product (the merchant started one after reconnecting) replaces it.
  const latest = await db.generation.groupBy({
    by: ["subjectId"],
    where: { subjectId: { in: failed.map((g) => g.subjectId) } },
    _max: { createdAt: true },
  });
  const latestOf = new Map(latest.map((l) => [l.subjectId, l._max.createdAt!.getTime()]));
  return failed.filter((g) => latestOf.get(g.subjectId) === g.createdAt.getTime());
}

export async function stoppedForReconnect(client: PrismaClient, shop: string): Promise<StoppedRequest[]> {
  return (await stopped(forShop(client, shop))).map((g) => ({
    id: g.id,
    productId: g.subject.productId,
    productTitle: g.subject.productTitle,
    stage: asStage(g.stage),
  }));
}

/**
 * Re-queues the shop's requests that stopped for reconnecting (all of them, or those of
 * `generationIds`), each from its stopped stage; returns those this call resumed. Claiming a request
 * is a conditional update under the shop's row lock, so a double click or two tabs resume it once,
 * and a product that meanwhile has an open request is left alone.
 */
export async function resumeStopped(
  client: PrismaClient,
  producers: Producers,
  shop: string,
  generationIds?: string[],
): Promise<StoppedRequest[]> {
  const db = forShop(client, shop);
  const claimed = await db.$transaction(async (txClient) => {
    const tx = txClient as unknown as ShopDb;
    // The same lock requestScenesBatch takes: a request started at this moment sees ours, or we see it.
    await tx.shop.upsert({ where: { shop }, create: { shop }, update: { updatedAt: new Date() } });
    const mine: Awaited<ReturnType<typeof stopped>> = [];
    for (const g of await stopped(tx)) {
      if (generationIds && !generationIds.includes(g.id)) continue;
      const { count } = await tx.generation.updateMany({
        where: {
          id: g.id,
          status: "failed",
          error: RECONNECT_MESSAGE,
          subject: { generations: { none: { status: { in: OPEN } } } },
        },
        data: { status: "queued", error: null, finishedAt: null, etaAt: null },
      });
      if (count === 1) mine.push(g);
    }
    return mine;
  });

  const resumed: StoppedRequest[] = [];
  for (const g of claimed) {
    const from = asStage(g.stage);
    try {
      // The stopped chain's jobs (failed, or completed before it) still hold the fixed ids: remove them first.
      for (const stage of [...PIPELINE_STAGES].reverse())
        await producers.queue(stage.queue).remove(stageJobId(g.id, stage.name), { removeChildren: true });
      await producers.flows.add(requestFlow(g, from));
    } catch (error) {
      // Back to stopped, so that the merchant can resume it again.
      await db.generation.update({
        where: { id: g.id },
        data: { status: "failed", error: RECONNECT_MESSAGE, finishedAt: new Date() },
      });
      throw error;
    }
    await db.subject.update({ where: { id: g.subjectId }, data: { state: RESUMED_STATE[from], lastError: null } });
    resumed.push({ id: g.id, productId: g.subject.productId, productTitle: g.subject.productTitle, stage: from });
  }
  return resumed;
}

export interface StoppedImage {
  id: string;
  productId: string;
  productTitle: string;
}

/** Approved images whose publishing stopped for reconnecting (the merchant has not rejected or re-approved them since). */
export async function stoppedImagesForReconnect(client: PrismaClient, shop: string): Promise<StoppedImage[]> {
  const images = await forShop(client, shop).candidate.findMany({
    where: { state: "failed", error: RECONNECT_MESSAGE },
    include: { subject: { select: { productId: true, productTitle: true } } },
    orderBy: { updatedAt: "asc" },
  });
  return images.map((c) => ({ id: c.id, productId: c.subject.productId, productTitle: c.subject.productTitle }));
}

/**
 * Approves again the shop's images whose publishing stopped for reconnecting (all, or those of
 * `candidateIds`) and queues their upscale → publish chain under its fixed job ids; returns those
 * this call resumed. The claim is a conditional update, so two clicks resume an image once, and an
 * image the merchant rejected meanwhile stays rejected. Publishing itself stays idempotent (the
 * image's attempt key), so an image that reached the product before the stop is not added twice.
 */
export async function resumeStoppedImages(
  client: PrismaClient,
  producers: Producers,
  shop: string,
  candidateIds?: string[],
): Promise<StoppedImage[]> {
  const db = forShop(client, shop);
  const resumed: StoppedImage[] = [];
  for (const image of await stoppedImagesForReconnect(client, shop)) {
    if (candidateIds && !candidateIds.includes(image.id)) continue;
    const { count } = await db.candidate.updateMany({
      where: { id: image.id, state: "failed", error: RECONNECT_MESSAGE },
      data: { state: "approved", error: null },
    });
    if (count !== 1) continue;
    try {
      await settleChain(client, producers, shop, image.id);
    } catch (error) {
      await db.candidate.updateMany({
        where: { id: image.id, state: "approved" },
        data: { state: "failed", error: RECONNECT_MESSAGE },
      });
      throw error;
    }
    resumed.push(image);
  }
  return resumed;
}
