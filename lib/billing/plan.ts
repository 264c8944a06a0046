// The SceneBooth plan: one Shopify app subscription with a usage line item. Shopify never charges
// more than the capped amount per 30-day billing period; the merchant's own monthly cap
// (Shop.monthlyCapUsd) can be lower.
import { ConfigError } from "../config";
import { localStoreUrl } from "../shopify-admin/endpoint";
import { PRICES_USD } from "../usage";

export const PLAN_NAME = "SceneBooth Usage";
export const PLAN_CURRENCY = "USD";
export const PLAN_CAPPED_AMOUNT_USD = 100;

export function usd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}

/** The terms the merchant approves with the plan. */
export const PLAN_TERMS =
  `${usd(PRICES_USD.tuned_product)} per product taught to the model and ${usd(PRICES_USD.images_published)} per image ` +
  `published to your store, up to ${usd(PLAN_CAPPED_AMOUNT_USD)} per 30 days.`;

type Env = Record<string, string | undefined>;

/**
 * Whether charges are test charges (no money moves): SCENEBOOTH_TEST_CHARGES=true|false when set,
 * otherwise in development and whenever the app talks to the local store.
 */
export function testCharges(env: Env = process.env): boolean {
  const raw = env.SCENEBOOTH_TEST_CHARGES?.trim().toLowerCase();
  if (raw) {
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    throw new ConfigError(`SCENEBOOTH_TEST_CHARGES must be true or false, got "${env.SCENEBOOTH_TEST_CHARGES}".`);
  }
  return env.NODE_ENV !== "production" || localStoreUrl(env) !== null;
}
