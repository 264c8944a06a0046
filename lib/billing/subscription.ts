import type { AdminClient } from "../shopify-admin/client";
import { ActiveSubscriptionsDocument } from "../shopify-admin/generated";
import { PLAN_NAME, testCharges } from "./plan";

/** The shop's active SceneBooth subscription and its usage line item, as Shopify reports them. */
export interface UsagePlan {
  subscriptionId: string;
  lineItemId: string;
  name: string;
  test: boolean;
  cappedAmountUsd: number;
  /** Usage charged in the current 30-day billing period. */
  balanceUsedUsd: number;
  currentPeriodEnd: string | null;
}

/**
 * The active SceneBooth plan, or null when the merchant has not approved it (or it was cancelled).
 * Test subscriptions count only when `acceptTest` (development, the local store).
 */
export async function activeUsagePlan(admin: AdminClient, options: { acceptTest: boolean }): Promise<UsagePlan | null> {
  const { currentAppInstallation } = await admin.request(ActiveSubscriptionsDocument, {});
  for (const sub of currentAppInstallation.activeSubscriptions) {
    if (sub.name !== PLAN_NAME || sub.status !== "ACTIVE" || (sub.test && !options.acceptTest)) continue;
    for (const item of sub.lineItems) {
      const pricing = item.plan.pricingDetails;
      if (!("cappedAmount" in pricing)) continue;
      return {
        subscriptionId: sub.id,
        lineItemId: item.id,
        name: sub.name,
        test: sub.test,
        cappedAmountUsd: Number(pricing.cappedAmount.amount),
        balanceUsedUsd: Number(pricing.balanceUsed.amount),
        currentPeriodEnd: sub.currentPeriodEnd,
      };
    }
  }
  return null;
}

/** The plan as the app and the worker see it: test subscriptions count where charges are test charges. */
export function currentUsagePlan(
  admin: AdminClient,
  env: Record<string, string | undefined> = process.env,
): Promise<UsagePlan | null> {
  return activeUsagePlan(admin, { acceptTest: testCharges(env) });
}
