// Requests stopped because the store had to be reconnected: listed on the products page and in the
// studio, resumed with one action (lib/pipeline/resume.ts). Any page that loads has reconnected.
import { db } from "../../lib/db";
import { resumeStopped, stoppedForReconnect, type StoppedRequest } from "../../lib/pipeline/resume";
import { appProducers } from "./queues.server";
import type { ShopContext } from "./shop-context.server";

export function stoppedRequests(ctx: ShopContext): Promise<StoppedRequest[]> {
  return stoppedForReconnect(db(), ctx.shop);
}

/** Resumes the shop's stopped requests (or those of `generationIds`); the merchant's message says how many. */
export async function resumeRequests(ctx: ShopContext, generationIds?: string[]): Promise<string> {
  const resumed = await resumeStopped(db(), appProducers(), ctx.shop, generationIds);
  if (resumed.length === 0) return "Nothing to resume: those requests are already running or were replaced.";
  const what = resumed.length === 1 ? `"${resumed[0]!.productTitle}"` : `${resumed.length} requests`;
  return `Resumed ${what} where ${resumed.length === 1 ? "it" : "they"} stopped.`;
}
