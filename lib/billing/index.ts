export { PLAN_CAPPED_AMOUNT_USD, PLAN_CURRENCY, PLAN_NAME, PLAN_TERMS, testCharges, usd } from "./plan";
export { activeUsagePlan, currentUsagePlan, type UsagePlan } from "./subscription";
export {
  affordableUnits,
  assertCanSpend,
  capMessage,
  PlanRequiredError,
  SpendingCapError,
  spendingStatus,
  usageKey,
  type SpendingOptions,
  type SpendingStatus,
} from "./spending";
export { chargeUsage, UsageChargeError, type UsageEvent } from "./charge";
export { priceList, spendView, type Price, type PriceList, type SpendView } from "./prices";
