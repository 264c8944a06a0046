import { Counter, Registry } from "prom-client";

/**
 * Counters any process (app or worker) adds to as it works, in one registry that its /metrics merges
 * with its own: Admin API cost and waits, usage charges, publish outcomes.
 */
export const processRegistry = new Registry();

export const PROCESS_METRIC = {
  adminApiCost: "scenebooth_admin_api_cost_points_total",
  adminApiWait: "scenebooth_admin_api_wait_seconds_total",
  usageCharges: "scenebooth_usage_charges_total",
  usageChargedUsd: "scenebooth_usage_charged_usd_total",
  publishes: "scenebooth_publish_total",
} as const;

export const adminApiCost = new Counter({
  name: PROCESS_METRIC.adminApiCost,
  help: "Admin API query cost points Shopify reported (actualQueryCost), by operation",
  labelNames: ["operation"],
  registers: [processRegistry],
});

export const adminApiWait = new Counter({
  name: PROCESS_METRIC.adminApiWait,
  help: "Time waited before Admin API calls: pacing by the cost bucket, after THROTTLED or HTTP 429, retry backoff",
  labelNames: ["operation", "reason"],
  registers: [processRegistry],
});

export const usageCharges = new Counter({
  name: PROCESS_METRIC.usageCharges,
  help: "Usage events: charged on the plan, recorded only (free kinds), or refused (over-cap, no-plan, refused)",
  labelNames: ["kind", "outcome"],
  registers: [processRegistry],
});

export const usageChargedUsd = new Counter({
  name: PROCESS_METRIC.usageChargedUsd,
  help: "US dollars charged on merchants' plans, by usage kind",
  labelNames: ["kind"],
  registers: [processRegistry],
});

export const publishes = new Counter({
  name: PROCESS_METRIC.publishes,
  help: "Publish jobs that ended with the image on the product: published now, or found already published",
  labelNames: ["outcome"],
  registers: [processRegistry],
});
