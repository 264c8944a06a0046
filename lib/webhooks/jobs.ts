// The jobs the webhook routes queue instead of working inline (Shopify waits 5 s for an answer).
import type { ProductEventJob, ShopCleanupJob } from "../queue/jobs";
import type { Producers } from "../queue/producer";

export function queueProductEvent(producers: Producers, data: ProductEventJob) {
  return producers.queue("publish").add("product-event", data);
}

/** Removed once done: nothing of an uninstalled shop stays in Redis. */
export function queueShopCleanup(producers: Producers, data: ShopCleanupJob) {
  return producers.queue("publish").add("shop-cleanup", data, { removeOnComplete: true });
}
