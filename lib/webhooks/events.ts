// At-most-once webhook handling: a delivery is handled only by the first request that records its
// event id (X-Shopify-Event-Id, the same across retries and duplicate deliveries) in WebhookEvent.
// A handler that fails gives its claim back, so Shopify's retry can handle the event.
import type { PrismaClient } from "../db";

export interface WebhookDelivery {
  shop: string;
  topic: string;
  /** X-Shopify-Event-Id; the webhook id when the event id is missing. */
  eventId: string;
}

/** A unique-constraint violation (Prisma P2002), whichever client raised it. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "P2002";
}

/** Records `eventId` for the shop; false when it was recorded before (a duplicate or concurrent delivery). */
export async function claimEvent(client: PrismaClient, delivery: WebhookDelivery): Promise<boolean> {
  try {
    await client.webhookEvent.create({
      data: { shop: delivery.shop, eventId: delivery.eventId, topic: delivery.topic },
    });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

export async function releaseEvent(
  client: PrismaClient,
  delivery: Pick<WebhookDelivery, "shop" | "eventId">,
): Promise<void> {
  await client.webhookEvent.deleteMany({ where: { shop: delivery.shop, eventId: delivery.eventId } });
}

export async function eventExists(
  client: PrismaClient,
  delivery: Pick<WebhookDelivery, "shop" | "eventId">,
): Promise<boolean> {
  return (await client.webhookEvent.count({ where: { shop: delivery.shop, eventId: delivery.eventId } })) > 0;
}

/**
 * Runs `handle` once per event: a duplicate delivery returns "duplicate" without calling it. A
 * failure releases the claim and is rethrown (the route answers 500 and Shopify retries).
 */
export async function oncePerEvent<T>(
  client: PrismaClient,
  delivery: WebhookDelivery,
  handle: () => Promise<T>,
): Promise<{ outcome: "handled"; result: T } | { outcome: "duplicate" }> {
  if (!(await claimEvent(client, delivery))) return { outcome: "duplicate" };
  try {
    const result = await handle();
    await client.webhookEvent.updateMany({
      where: { shop: delivery.shop, eventId: delivery.eventId },
      data: { processedAt: new Date() },
    });
    return { outcome: "handled", result };
  } catch (error) {
    await releaseEvent(client, delivery).catch(() => undefined);
    throw error;
  }
}
