// products/create and products/update: at most once per event, then auto-generation. Answers fast:
// a request is only queued here, never worked on.
import type { Session } from "@shopify/shopify-app-remix/server";
import { db } from "../../lib/db";
import { ProductsPhotosDocument, type AdminClient } from "../../lib/shopify-admin";
import { appProducers } from "./queues.server";
import { autoGenerate, type AutoResult } from "./auto-generation.server";
import { adminClient, currentPlan } from "./billing.server";
import { deliveryOf, oncePerEvent, topicName } from "./webhooks.server";

export interface ProductWebhookContext {
  shop: string;
  topic: unknown;
  eventId?: string;
  webhookId: string;
  payload: Record<string, unknown>;
  session?: Session;
}

/** The product's processed images now; null when the Admin API does not answer (the webhook body's count is used). */
async function readyPhotosNow(admin: AdminClient, productId: string): Promise<number | null> {
  try {
    const { nodes } = await admin.request(ProductsPhotosDocument, { ids: [productId], mediaFirst: 20 });
    const product = nodes[0];
    if (!product || !("media" in product)) return 0;
    return product.media.nodes.filter((m) => m.status === "READY" && m.mediaContentType === "IMAGE").length;
  } catch (error) {
    console.log(`products/create: could not count ${productId}'s processed photos (${(error as Error).message}); using the webhook's count`);
    return null;
  }
}

export async function handleProductWebhook(context: ProductWebhookContext): Promise<AutoResult | "duplicate" | "ignored"> {
  const topic = topicName(context.topic);
  if (topic !== "products/create" && topic !== "products/update") return "ignored";
  const client = db();
  const delivery = deliveryOf(context);
  const outcome = await oncePerEvent(client, delivery, () =>
    autoGenerate(
      {
        client,
        producers: appProducers(),
        // No offline session means the app is not installed: nothing can be charged. Shopify waits
        // 5 s for the answer: a slow Admin API fails this delivery (500) and Shopify retries it.
        plan: async () => (context.session ? currentPlan(adminClient(context.session, { timeoutMs: 2_000, maxAttempts: 2 })) : null),
        readyPhotosNow: async (productId) => (context.session ? readyPhotosNow(adminClient(context.session, { timeoutMs: 2_000, maxAttempts: 1 }), productId) : null),
      },
      { shop: context.shop, topic, payload: context.payload },
    ),
  );
  if (outcome.outcome === "duplicate") {
    console.log(`${topic} for ${context.shop}: event ${delivery.eventId} already handled (duplicate delivery)`);
    return "duplicate";
  }
  const r = outcome.result;
  if (r.outcome !== "off") {
    console.log(`${topic} for ${context.shop}: auto-generation ${r.outcome} for ${r.productId}${r.generationId ? ` (request ${r.generationId})` : ""}${r.message ? `: ${r.message}` : ""}`);
  }
  return r;
}
