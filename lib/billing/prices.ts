// What the pages show before a click: the prices (from PRICES_USD in lib/usage.ts, the one list
// that charges use too) and this month's spend against the cap that binds.
import { PRICES_USD } from "../usage";
import { usd } from "./plan";
import type { SpendingStatus } from "./spending";

export interface Price {
  usd: number;
  /** "$0.50" */
  label: string;
}

export interface PriceList {
  /** Charged once per product taught to the model (not when stored weights are reused). */
  tunedProduct: Price;
  /** Charged per image published to the store. */
  publishedImage: Price;
}

const price = (amount: number): Price => ({ usd: amount, label: usd(amount) });

export function priceList(): PriceList {
  return { tunedProduct: price(PRICES_USD.tuned_product), publishedImage: price(PRICES_USD.images_published) };
}

export interface SpendView {
  spentThisMonth: string;
  /** What is left under the cap that binds, after work already queued. */
  remaining: string;
  /** "your monthly cap of $50.00" or "the plan's limit of $100.00 for this billing period". */
  cap: string;
  held: string | null;
}

export function spendView(status: SpendingStatus): SpendView {
  return {
    spentThisMonth: usd(status.spentThisMonthUsd),
    remaining: usd(status.remainingUsd),
    cap:
      status.binding === "merchant"
        ? `your monthly cap of ${usd(status.merchantCapUsd ?? 0)}`
        : `the plan's limit of ${usd(status.plan.cappedAmountUsd)} for this billing period`,
    held: status.reservedUsd > 0 ? usd(status.reservedUsd) : null,
  };
}
