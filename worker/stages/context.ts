import type { Job } from "bullmq";
import type { PrismaClient, ShopScopedClient } from "../../lib/db";
import { forShop } from "../../lib/db";
import { overallProgress, type PipelineStage } from "../../lib/pipeline/stages";
import type { GenerationJob } from "../../lib/queue/jobs";
import type { AdminClient } from "../../lib/shopify-admin";
import type { BlobStore } from "../../lib/storage";
import { adminClientFor } from "../shopify-session";
import { CancelledError } from "./errors";
import { log } from "../../lib/log";

/** What every stage gets: its shop-scoped database, storage, and a progress/cancellation channel. */
export interface StageContext {
  shop: string;
  generationId: string;
  db: ShopScopedClient;
  /** The unscoped client, for code shared with the app that scopes by shop itself (lib/billing). */
  client: PrismaClient;
  /** The shop's Admin API client (its offline session), made on first use. */
  admin(): Promise<AdminClient>;
  store: BlobStore;
  job: Job<GenerationJob>;
  /** Reports progress within the stage (0..1); throws CancelledError once the merchant cancelled. */
  progress(fraction: number, etaSeconds?: number): Promise<void>;
  /** Throws CancelledError once the merchant cancelled. */
  checkCancelled(): Promise<void>;
  log(line: string): void;
}

const PROGRESS_WRITE_INTERVAL_MS = 500;

export function createStageContext(
  stage: PipelineStage,
  job: Job<GenerationJob>,
  deps: { client: PrismaClient; store: BlobStore; log?: (line: string) => void },
): StageContext {
  const { shop, generationId } = job.data;
  const db = forShop(deps.client, shop);
  let admin: Promise<AdminClient> | undefined;
  let lastWrite = 0;

  const checkCancelled = async () => {
    const generation = await db.generation.findUnique({
      where: { id: generationId },
      select: { cancelRequested: true },
    });
    if (!generation || generation.cancelRequested) throw new CancelledError();
  };

  return {
    shop,
    generationId,
    db,
    client: deps.client,
    admin: () => (admin ??= adminClientFor(deps.client, shop)),
    store: deps.store,
    job,
    checkCancelled,
    async progress(fraction, etaSeconds) {
      const now = Date.now();
      if (fraction < 1 && now - lastWrite < PROGRESS_WRITE_INTERVAL_MS) return;
      lastWrite = now;
      const overall = overallProgress(stage, fraction, job.data.lane);
      const generation = await db.generation.update({
        where: { id: generationId },
        data: {
          progress: overall,
          stage,
          etaAt: etaSeconds === undefined ? undefined : new Date(now + etaSeconds * 1000),
        },
        select: { cancelRequested: true },
      });
      await job.updateProgress({ stage, fraction, overall });
      if (generation.cancelRequested) throw new CancelledError();
    },
    log: (line) => (deps.log ? deps.log(`[${stage} ${generationId}] ${line}`) : log.info(line)),
  };
}
