// A stage's context for running a request's stage in-process, without a queue or the Admin API.
import type { Job } from "bullmq";
import { forShop, type PrismaClient } from "../../lib/db";
import type { GenerationJob } from "../../lib/queue/jobs";
import type { BlobStore } from "../../lib/storage";
import type { StageContext } from "../../worker/stages/context";

export function stageContext(client: PrismaClient, store: BlobStore, shop: string, generationId: string): StageContext {
  return {
    shop,
    generationId,
    db: forShop(client, shop),
    client,
    admin: () => Promise.reject(new Error("this stage needs no Admin API")),
    store,
    job: { data: { shop, generationId } } as unknown as Job<GenerationJob>,
    progress: async () => {},
    checkCancelled: async () => {},
    log: () => {},
  };
}
