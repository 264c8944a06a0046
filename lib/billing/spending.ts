// Spending caps: new work starts only when it fits under both the merchant's monthly cap
// (Shop.monthlyCapUsd, calendar month, UTC) and the plan's capped amount (Shopify's 30-day period).
// Work already queued but not yet charged counts as reserved, so a second batch cannot slip in
// under a cap the first one will use up.
//
// What is charged, and under which key (usageKey): a tuned product once per tuning run, keyed by
// the run id, just before the run is marked succeeded; a published image once per candidate, keyed
// by the candidate id. A request that reuses stored weights is not charged for tuning.
import { forShop, type PrismaClient } from "../db";
import { readShopSettings } from "../shop-settings";
import { PRICES_USD, usageKey } from "../usage";
import { usd } from "./plan";
import type { UsagePlan } from "./subscription";

/** The merchant has not approved the plan: nothing can be charged, so no work starts. */
export class PlanRequiredError extends Error {
  override name = "PlanRequiredError";
  constructor() {
    super("Approve the SceneBooth plan first: open SceneBooth and accept the usage charges, then try again.");
  }
}

/** The work would go over a cap; the message says which, by how much, and what to do. */
export class SpendingCapError extends Error {
  override name = "SpendingCapError";
}

export interface SpendingStatus {
  merchantCapUsd: number | null;
  spentThisMonthUsd: number;
  /** Requests queued or running whose tuned product is not charged yet. */
  reservedUsd: number;
  plan: UsagePlan;
  /** What can still be spent before the lower cap is reached (never below 0). */
  remainingUsd: number;
  /** The cap that leaves less room. */
  binding: "merchant" | "plan";
  /** When the merchant's month (UTC) starts again. */
  nextMonth: Date;
}

const OPEN = ["queued", "running"];
const cents = (usdAmount: number) => Math.round(usdAmount * 100);

export { usageKey };

export interface SpendingOptions {
  now?: Date;
  /** The request about to be charged for its tuning: what it holds is what it now spends, so it is not held twice. */
  chargingGeneration?: string;
}

export async function spendingStatus(
  client: PrismaClient,
  shop: string,
  plan: UsagePlan,
  options: SpendingOptions = {},
): Promise<SpendingStatus> {
  const now = options.now ?? new Date();
  const db = forShop(client, shop);
  const settings = await readShopSettings(client, shop);
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const spent = await db.usageRecord.aggregate({
    where: { createdAt: { gte: monthStart } },
    _sum: { amountUsd: true },
  });
  // An open request holds the price of a tuned product until it has succeeded weights: its own run
  // (charged before it is marked succeeded) or stored ones it reuses (not charged). A fast-lane
  // request (exact product only) tunes nothing and holds nothing.
  const holding = await db.generation.count({
    where: {
      status: { in: OPEN },
      lane: { not: "fast" },
      OR: [{ tuningRunId: null }, { tuningRun: { status: { not: "succeeded" } } }],
      ...(options.chargingGeneration ? { id: { not: options.chargingGeneration } } : {}),
    },
  });
  const reservedUsd = holding * PRICES_USD.tuned_product;
  const spentThisMonthUsd = spent._sum.amountUsd ?? 0;

  const planLeft = cents(plan.cappedAmountUsd) - cents(plan.balanceUsedUsd) - cents(reservedUsd);
  const merchantLeft =
    settings.monthlyCapUsd === null
      ? Infinity
      : cents(settings.monthlyCapUsd) - cents(spentThisMonthUsd) - cents(reservedUsd);
  const binding = merchantLeft < planLeft ? "merchant" : "plan";
  return {
    merchantCapUsd: settings.monthlyCapUsd,
    spentThisMonthUsd,
    reservedUsd,
    plan,
    remainingUsd: Math.max(0, Math.min(planLeft, merchantLeft)) / 100,
    binding,
    nextMonth,
  };
}

/** How many units at `unitPriceUsd` fit in what is left. */
export function affordableUnits(status: SpendingStatus, unitPriceUsd: number): number {
  if (unitPriceUsd <= 0) return Number.MAX_SAFE_INTEGER;
  return Math.floor(cents(status.remainingUsd) / cents(unitPriceUsd));
}

const day = (d: Date) => d.toLocaleDateString("en-US", { month: "long", day: "numeric", timeZone: "UTC" });

/** Why `neededUsd` of new work cannot start, in words a merchant can act on. */
export function capMessage(status: SpendingStatus, neededUsd: number): string {
  const left = `${usd(status.remainingUsd)} is left`;
  const reserved = status.reservedUsd > 0 ? ` (after ${usd(status.reservedUsd)} held for work already queued)` : "";
  if (status.binding === "merchant") {
    return (
      `This needs ${usd(neededUsd)}, but only ${left} of your monthly spending cap of ${usd(status.merchantCapUsd ?? 0)}${reserved}. ` +
      `Raise the cap in SceneBooth's settings, or wait until ${day(status.nextMonth)}.`
    );
  }
  const until = status.plan.currentPeriodEnd ? `, or wait until ${day(new Date(status.plan.currentPeriodEnd))}` : "";
  return (
    `This needs ${usd(neededUsd)}, but only ${left} of the plan's ${usd(status.plan.cappedAmountUsd)} limit for this billing period${reserved}. ` +
    `Raise the plan limit in SceneBooth's billing settings${until}.`
  );
}

/**
 * Throws PlanRequiredError without a plan, and SpendingCapError unless `amountUsd` more fits under
 * both caps (before tuning, with `chargingGeneration`; before publishing an image).
 */
export async function assertCanSpend(
  client: PrismaClient,
  shop: string,
  plan: UsagePlan | null,
  amountUsd: number,
  options: SpendingOptions = {},
): Promise<SpendingStatus> {
  if (!plan) throw new PlanRequiredError();
  const status = await spendingStatus(client, shop, plan, options);
  if (cents(amountUsd) > cents(status.remainingUsd)) throw new SpendingCapError(capMessage(status, amountUsd));
  return status;
}
