// Usage charges: one Shopify usage record per billable event, with Shopify's idempotency key, and
// the same event in the local UsageRecord table (lib/usage.ts) for caps and insights. Both sides
// charge an event once, so a retried job or a re-run stage never charges twice.
import { forShop, type PrismaClient, type UsageKind } from "../db";
import type { AdminClient } from "../shopify-admin/client";
import { AppUsageRecordCreateDocument } from "../shopify-admin/generated";
import { PRICES_USD, recordUsage } from "../usage";
import { PLAN_CURRENCY } from "./plan";
import { PlanRequiredError, SpendingCapError, usageKey } from "./spending";
import type { UsagePlan } from "./subscription";
import { usageChargedUsd, usageCharges } from "../metrics/process";

export class UsageChargeError extends Error {
  override name = "UsageChargeError";
}

export interface UsageEvent {
  shop: string;
  kind: UsageKind;
  quantity: number;
  /** What makes the event unique within its kind: the tuning run id of a tuned product, the candidate id of a published image. */
  eventKey: string;
  /** Shown to the merchant on the Shopify invoice, e.g. "Taught the model: Teapot". */
  description: string;
}

/**
 * Charges one usage event on the merchant's plan and records it locally. Free kinds (GPU seconds,
 * generated images) are only recorded. Throws PlanRequiredError without an active plan and
 * SpendingCapError when Shopify refuses the charge as over the plan's capped amount.
 */
export async function chargeUsage(
  client: PrismaClient,
  admin: AdminClient,
  plan: UsagePlan | null,
  event: UsageEvent,
): Promise<{ amountUsd: number; shopifyRecordId: string | null }> {
  const amountUsd = Math.round(PRICES_USD[event.kind] * event.quantity * 100) / 100;
  try {
    const { recorded, ...charged } = await charge(client, admin, plan, event, amountUsd);
    // A retried event (same idempotency key) is charged once by Shopify, and counted once here.
    usageCharges.inc({ kind: event.kind, outcome: !recorded ? "repeat" : amountUsd > 0 ? "charged" : "recorded" });
    if (recorded) usageChargedUsd.inc({ kind: event.kind }, amountUsd);
    return charged;
  } catch (error) {
    const outcome =
      error instanceof SpendingCapError ? "over-cap" : error instanceof PlanRequiredError ? "no-plan" : "refused";
    usageCharges.inc({ kind: event.kind, outcome });
    throw error;
  }
}

async function charge(
  client: PrismaClient,
  admin: AdminClient,
  plan: UsagePlan | null,
  event: UsageEvent,
  amountUsd: number,
): Promise<{ amountUsd: number; shopifyRecordId: string | null; recorded: boolean }> {
  let shopifyRecordId: string | null = null;
  if (amountUsd > 0) {
    if (!plan) throw new PlanRequiredError();
    const { appUsageRecordCreate: result } = await admin.request(AppUsageRecordCreateDocument, {
      subscriptionLineItemId: plan.lineItemId,
      price: { amount: amountUsd.toFixed(2), currencyCode: PLAN_CURRENCY },
      description: event.description.slice(0, 255),
      idempotencyKey: usageKey(event.shop, event.kind, event.eventKey),
    });
    const errors = result?.userErrors ?? [];
    if (errors.some((e) => /exceeds balance remaining|capped amount/i.test(e.message))) {
      throw new SpendingCapError(
        `Shopify refused the charge: the plan's limit for this billing period is reached (${errors[0]!.message}).`,
      );
    }
    if (errors.length || !result?.appUsageRecord) {
      throw new UsageChargeError(
        `Shopify refused the usage charge "${event.description}": ${errors.map((e) => e.message).join("; ") || "no record returned"}`,
      );
    }
    shopifyRecordId = result.appUsageRecord.id;
  }
  const recorded = await recordUsage(
    forShop(client, event.shop),
    event.shop,
    event.kind,
    event.quantity,
    event.eventKey,
  );
  return { amountUsd, shopifyRecordId, recorded };
}
