// The jobs the webhook routes queue instead of working inline (Shopify waits 5 s for an answer).
import type { ProductEventJob, ShopCleanupJob } from "../queue/jobs";
import type { Producers } from "../queue/producer";

export function queueProductEvent(producers: Producers, data: ProductEventJob) {
  return producers.queue("publish").add("product-event", data);
}

/**
 * One uninstall's cleanup job id, from what the Shop row keeps (the shop and its uninstalledAt, the
 * uninstall's trigger time): redeliveries add one job, and the reconciler finds or re-adds it.
 */
export function shopCleanupJobId(shop: string, triggeredAt: Date): string {
  return `cleanup-${shop}-${triggeredAt.getTime()}`;
}

/** Removed once done: nothing of an uninstalled shop stays in Redis. */
export function queueShopCleanup(producers: Producers, data: ShopCleanupJob) {
  return producers.queue("publish").add("shop-cleanup", data, {
    removeOnComplete: true,
    jobId: shopCleanupJobId(data.shop, new Date(data.triggeredAt)),
  });
}
