export { PLAN_CAPPED_AMOUNT_USD, PLAN_CURRENCY, PLAN_NAME, PLAN_TERMS, testCharges, usd } from "./plan";
export { activeUsagePlan, type UsagePlan } from "./subscription";
export { affordableUnits, assertCanSpend, capMessage, PlanRequiredError, SpendingCapError, spendingStatus, usageKey, type SpendingStatus } from "./spending";
export { chargeUsage, UsageChargeError, type UsageEvent } from "./charge";
