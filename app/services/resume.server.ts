// Requests and approved images stopped because the store had to be reconnected: listed on the
// products page and in the studio, resumed with one action (lib/pipeline/resume.ts). Any page that
// loads has reconnected.
import { db } from "../../lib/db";
import {
  resumeStopped,
  resumeStoppedImages,
  stoppedForReconnect,
  stoppedImagesForReconnect,
  type StoppedImage,
  type StoppedRequest,
} from "../../lib/pipeline/resume";
import { appProducers } from "./queues.server";
import type { ShopContext } from "./shop-context.server";

export function stoppedRequests(ctx: ShopContext): Promise<StoppedRequest[]> {
  return stoppedForReconnect(db(), ctx.shop);
}

export function stoppedImages(ctx: ShopContext): Promise<StoppedImage[]> {
  return stoppedImagesForReconnect(db(), ctx.shop);
}

const count = (n: number, one: string, many: string) => (n === 1 ? `1 ${one}` : `${n} ${many}`);

/** "2 requests and publishing 1 approved image": what stopped, in the merchant's words. */
function whatStopped(requests: number, images: number): string {
  return [
    requests > 0 ? count(requests, "request", "requests") : null,
    images > 0 ? `publishing ${count(images, "approved image", "approved images")}` : null,
  ]
    .filter(Boolean)
    .join(" and ");
}

/** The products page's notice: what stopped, and which products it belongs to; null when nothing did. */
export function stoppedNotice(
  requests: StoppedRequest[],
  images: StoppedImage[],
): { title: string; products: string; pronoun: "it" | "they" } | null {
  if (requests.length + images.length === 0) return null;
  const what = whatStopped(requests.length, images.length);
  return {
    title: `${what.charAt(0).toUpperCase()}${what.slice(1)} stopped while your store was disconnected`,
    products: [...new Set([...requests, ...images].map((s) => s.productTitle))].join(", "),
    pronoun: requests.length + images.length === 1 ? "it" : "they",
  };
}

/**
 * Resumes the shop's stopped requests and images (or only the requests of `generationIds`, the
 * studio's button); the merchant's message says what.
 */
export async function resumeRequests(ctx: ShopContext, generationIds?: string[]): Promise<string> {
  const requests = await resumeStopped(db(), appProducers(), ctx.shop, generationIds);
  const images = generationIds ? [] : await resumeStoppedImages(db(), appProducers(), ctx.shop);
  if (requests.length + images.length === 0)
    return "Nothing to resume: those requests are already running or were replaced.";
  if (images.length === 0 && requests.length === 1) return `Resumed "${requests[0]!.productTitle}" where it stopped.`;
  const pronoun = requests.length + images.length === 1 ? "it" : "they";
  return `Resumed ${whatStopped(requests.length, images.length)} where ${pronoun} stopped.`;
}
