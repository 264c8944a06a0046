// Prices up front: what Generate and Approve will cost in the studio, and this month's spend on the
// products page. Prices come from lib/billing; the plan and caps from Shopify and the database.
import { priceList, spendingStatus, spendView, type PriceList, type SpendView } from "../../lib/billing";
import { db } from "../../lib/db";
import { parseGenerationOptions } from "../../lib/pipeline/request-scenes";
import { currentPlan } from "./billing.server";
import type { ShopContext } from "./shop-context.server";

/** This month's spend and what is left under the cap that binds; null without the plan. */
export async function monthSpend(ctx: ShopContext): Promise<SpendView | null> {
  const plan = await currentPlan(ctx.admin);
  return plan ? spendView(await spendingStatus(db(), ctx.shop, plan)) : null;
}

export interface StudioPrices {
  prices: PriceList;
  /**
   * The photos and class noun the product's stored weights were learned from (this profile): a
   * request with the same ones reuses them and is not charged for tuning. Null when there are none.
   */
  learned: { mediaIds: string[]; classNoun: string } | null;
  spend: SpendView | null;
}

export async function studioPrices(
  ctx: ShopContext,
  subject: { id: string; classNoun: string } | null,
  profile: string,
): Promise<StudioPrices> {
  const run = subject
    ? await ctx.db.tuningRun.findFirst({
        where: { subjectId: subject.id, profile, status: "succeeded", adapterBlobKey: { not: null } },
        orderBy: { finishedAt: "desc" },
        include: { generations: { orderBy: { createdAt: "asc" }, take: 1 } },
      })
    : null;
  const mediaIds = run?.generations[0] ? parseGenerationOptions(run.generations[0].options).mediaIds : undefined;
  return {
    prices: priceList(),
    learned: subject && mediaIds?.length ? { mediaIds, classNoun: subject.classNoun } : null,
    spend: await monthSpend(ctx),
  };
}
