// products/create and products/update: at most once per event. Answers Shopify at once: the route
// reads the database only (settings, whether the product waits for photos) and queues a
// product-event job; the worker asks the Admin API (plan, photos) and starts the request.
import { db } from "../../lib/db";
import {
  parseProductPayload,
  ProductPayloadError,
  webhookOutcome,
  type ProductTopic,
} from "../../lib/webhooks/auto-generation";
import { queueProductEvent } from "../../lib/webhooks/jobs";
import { appProducers } from "./queues.server";
import { deliveryOf, oncePerEvent, topicName } from "./webhooks.server";
import { log } from "../../lib/log";

export interface ProductWebhookContext {
  shop: string;
  topic: unknown;
  eventId?: string;
  webhookId: string;
  payload: Record<string, unknown>;
}

export type ProductWebhookResult = "off" | "archived" | "not_a_new_product" | "queued" | "duplicate" | "ignored";

export async function handleProductWebhook(context: ProductWebhookContext): Promise<ProductWebhookResult> {
  const topic = topicName(context.topic);
  if (topic !== "products/create" && topic !== "products/update") return "ignored";
  const client = db();
  const delivery = deliveryOf(context);
  // A body without a product id is refused before it is recorded (400), so nothing is lost.
  const event = { shop: context.shop, topic: topic as ProductTopic, product: parseProductPayload(context.payload) };
  const outcome = await oncePerEvent(client, delivery, async () => {
    const early = await webhookOutcome(client, event);
    if (early) return early;
    await queueProductEvent(appProducers(), event);
    return "queued" as const;
  });
  if (outcome.outcome === "duplicate") {
    log.info(`${topic} for ${context.shop}: event ${delivery.eventId} already handled (duplicate delivery)`);
    return "duplicate";
  }
  return outcome.result;
}

export { ProductPayloadError };
