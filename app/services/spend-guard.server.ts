// The studio refuses work the merchant's plan or caps cannot pay for, with the reason, before
// anything is queued. The worker checks again before spending (tune, publish): this is the early,
// visible answer, not the guarantee.
import { assertCanSpend, PlanRequiredError, SpendingCapError } from "../../lib/billing";
import { db } from "../../lib/db";
import { currentPlan } from "./billing.server";
import type { ShopContext } from "./shop-context.server";

/** Why `amountUsd` more cannot be spent now, or null when it can. */
export async function spendingRefusal(ctx: ShopContext, amountUsd: number): Promise<string | null> {
  try {
    await assertCanSpend(db(), ctx.shop, await currentPlan(ctx.admin), amountUsd);
    return null;
  } catch (error) {
    if (error instanceof PlanRequiredError || error instanceof SpendingCapError) return error.message;
    throw error;
  }
}
