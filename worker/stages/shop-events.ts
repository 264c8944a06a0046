// The publish queue's shop-event jobs, queued by the webhook routes: auto-generation for a new
// product (it asks the Admin API for the plan and the product's photos) and the cleanup after
// app/uninstalled.
import type { Job } from "bullmq";
import { currentUsagePlan } from "../../lib/billing";
import type { PrismaClient } from "../../lib/db";
import { deleteShopData, deletionSummary, uninstallIsStale } from "../../lib/lifecycle";
import type { ProductEventJob, ShopCleanupJob } from "../../lib/queue/jobs";
import type { Producers } from "../../lib/queue/producer";
import { ProductsPhotosDocument, type AdminClient } from "../../lib/shopify-admin";
import type { BlobStore } from "../../lib/storage";
import { autoGenerate, type AutoResult } from "../../lib/webhooks/auto-generation";
import { MerchantActionError } from "./errors";
import { log } from "../../lib/log";

type AdminFor = (client: PrismaClient, shop: string) => Promise<AdminClient>;

/** The shop's Admin client; null when the app has no session for it (not installed: nothing can be charged). */
async function adminOrNull(adminFor: AdminFor, client: PrismaClient, shop: string): Promise<AdminClient | null> {
  try {
    return await adminFor(client, shop);
  } catch (error) {
    if (error instanceof MerchantActionError && error.code === "not_installed") return null;
    throw error;
  }
}

/** The product's processed images now; null when the Admin API does not answer (the webhook body's count is used). */
async function readyPhotosNow(admin: AdminClient, productId: string): Promise<number | null> {
  try {
    const { nodes } = await admin.request(ProductsPhotosDocument, { ids: [productId], mediaFirst: 20 });
    const product = nodes[0];
    if (!product || !("media" in product)) return 0;
    return product.media.nodes.filter((m) => m.status === "READY" && m.mediaContentType === "IMAGE").length;
  } catch (error) {
    log.info(
      `products/create: could not count ${productId}'s processed photos (${(error as Error).message}); using the webhook's count`,
    );
    return null;
  }
}

export function productEventProcessor(client: PrismaClient, producers: Producers, adminFor: AdminFor) {
  return async (job: Job<ProductEventJob>): Promise<AutoResult> => {
    const { shop, topic, product } = job.data;
    const admin = () => adminOrNull(adminFor, client, shop);
    const result = await autoGenerate(
      {
        client,
        producers,
        plan: async () => {
          const a = await admin();
          return a ? currentUsagePlan(a) : null;
        },
        readyPhotosNow: async (productId) => {
          const a = await admin();
          return a ? readyPhotosNow(a, productId) : null;
        },
      },
      { shop, topic, product },
    );
    if (result.outcome !== "off") {
      log.info(
        `${topic} for ${shop}: auto-generation ${result.outcome} for ${result.productId}${result.generationId ? ` (request ${result.generationId})` : ""}${result.message ? `: ${result.message}` : ""}`,
      );
    }
    return result;
  };
}

export function shopCleanupProcessor(client: PrismaClient, producers: Producers, store: BlobStore) {
  return async (job: Job<ShopCleanupJob>) => {
    const { shop, triggeredAt } = job.data;
    // The merchant may have installed the app again while this job waited.
    if (await uninstallIsStale(client, shop, new Date(triggeredAt))) {
      log.info(
        `app/uninstalled for ${shop} (triggered ${triggeredAt}): the shop installed SceneBooth again since; nothing deleted`,
      );
      return { outcome: "reinstalled" as const };
    }
    const report = await deleteShopData({ client, store, producers }, shop, { exceptJobId: job.id });
    log.info(`app/uninstalled: ${deletionSummary(shop, report)}`);
    return { outcome: "deleted" as const, report };
  };
}
