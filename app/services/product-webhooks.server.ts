// products/create and products/update: at most once per event, then auto-generation. Answers fast:
// a request is only queued here, never worked on.
import type { Session } from "@shopify/shopify-app-remix/server";
import { db } from "../../lib/db";
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
