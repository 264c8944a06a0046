import type { ShopScopedClient } from "./db";
import type { UsageKind } from "./db/enums";

/**
 * What each billable event costs the merchant (USD). GPU seconds and generated images are recorded
 * for the insights and capacity planning, and billed through the tuned product.
 */
export const PRICES_USD: Record<UsageKind, number> = {
  tuned_product: 0.5,
  images_published: 0.1,
  gpu_seconds: 0,
  images_generated: 0,
};

/**
 * The idempotency key of a usage event (shop:kind:eventKey): the UsageRecord row's unique key, and
 * the key Shopify's appUsageRecordCreate gets, so neither side counts an event twice.
 */
export function usageKey(shop: string, kind: UsageKind, eventKey: string): string {
  return `${shop}:${kind}:${eventKey}`;
}

/** Records one usage event once: the same idempotency key never counts twice (retries, re-runs). True when this call recorded it. */
export async function recordUsage(
  db: ShopScopedClient,
  shop: string,
  kind: UsageKind,
  quantity: number,
  eventKey: string,
): Promise<boolean> {
  const idempotencyKey = usageKey(shop, kind, eventKey);
  if (await db.usageRecord.findUnique({ where: { idempotencyKey }, select: { id: true } })) return false;
  await db.usageRecord.upsert({
    where: { idempotencyKey },
    create: { shop, kind, quantity, idempotencyKey, amountUsd: Math.round(PRICES_USD[kind] * quantity * 100) / 100 },
    update: {},
  });
  return true;
}
