// What is left of the shop's daily image limit (lib/pipeline/daily-images.ts), for the pages and the
// bulk action where the merchant starts requests.
import { config } from "../../lib/config";
import type { ShopScopedClient } from "../../lib/db";
import { dailyImages, type DailyImages } from "../../lib/pipeline/daily-images";

export interface DailyImagesView {
  limit: number;
  used: number;
  remaining: number;
  /** ISO time of the next midnight UTC. */
  resetsAt: string;
}

export function shopDailyImages(db: ShopScopedClient): Promise<DailyImages> {
  return dailyImages(db, config().dailyImageLimit);
}

export function dailyImagesView(today: DailyImages): DailyImagesView {
  return { limit: today.limit, used: today.used, remaining: today.remaining, resetsAt: today.resetsAt.toISOString() };
}
