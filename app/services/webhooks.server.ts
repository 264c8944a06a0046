// The app's side of webhook handling; the event ledger itself (at-most-once claims) is in lib/webhooks.
import type { WebhookDelivery } from "../../lib/webhooks/events";

export {
  claimEvent,
  eventExists,
  isUniqueViolation,
  oncePerEvent,
  releaseEvent,
  type WebhookDelivery,
} from "../../lib/webhooks/events";

/** The delivery's identity from authenticate.webhook's context. */
export function deliveryOf(context: {
  shop: string;
  topic: unknown;
  eventId?: string;
  webhookId: string;
}): WebhookDelivery {
  return { shop: context.shop, topic: String(context.topic), eventId: context.eventId || context.webhookId };
}

/** authenticate.webhook's topic (PRODUCTS_CREATE) as Shopify names it (products/create). */
export function topicName(topic: unknown): string {
  return String(topic).toLowerCase().replace("_", "/");
}
