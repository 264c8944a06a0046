// The per-shop daily image limit: GPU time after a product's first tuning is not charged (reused
// weights), so what one shop can make is bounded by images per UTC day instead. Every Generate path
// (studio, bulk action, auto-generation) goes through requestScenesBatch, which checks it in the
// transaction that creates the request, after taking the shop's row lock: two concurrent requests
// cannot both fit in the last images of the day.
import type { ShopScopedClient } from "../db";

export interface DailyImages {
  limit: number;
  /** Images counted against today: planned by open requests, made by finished ones. */
  used: number;
  remaining: number;
  /** Midnight UTC, when the count starts again. */
  resetsAt: Date;
}

/** A request's images: its scenes times images per scene, for each mode it makes (tuned, exact or both). */
export function requestImages(generation: { scenes: string; imagesPerScene: number; options: string }): number {
  const modes = (JSON.parse(generation.options) as { modes?: unknown[] }).modes?.length || 1;
  return (JSON.parse(generation.scenes) as unknown[]).length * generation.imagesPerScene * modes;
}

const OPEN = ["queued", "running"];

/**
 * Today's images of the shop. An open request holds all its images; a finished one counts what it
 * made, so a request that failed or was cancelled early gives back what it never generated.
 */
export async function dailyImages(db: ShopScopedClient, limit: number, now = new Date()): Promise<DailyImages> {
  const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const requests = await db.generation.findMany({
    where: { createdAt: { gte: dayStart } },
    select: {
      status: true,
      scenes: true,
      imagesPerScene: true,
      options: true,
      _count: { select: { candidates: true } },
    },
  });
  const used = requests.reduce((sum, g) => sum + (OPEN.includes(g.status) ? requestImages(g) : g._count.candidates), 0);
  return {
    limit,
    used,
    remaining: Math.max(0, limit - used),
    resetsAt: new Date(dayStart.getTime() + 24 * 3600 * 1000),
  };
}

/** "at 00:00 UTC on December 7": when the limit resets, for the merchant (also in the studio). */
export function dailyResetLabel(resetsAt: Date | string): string {
  const day = new Date(resetsAt).toLocaleDateString("en-US", { month: "long", day: "numeric", timeZone: "UTC" });
  return `at 00:00 UTC on ${day}`;
}

/** Why a request of `requested` images cannot start today, in words a merchant can act on. */
export function dailyLimitMessage(status: DailyImages, requested: number): string {
  const left = status.remaining === 0 ? "none are left" : `${status.remaining} are left`;
  return (
    `You've generated ${status.used} images today, of ${status.limit} a day; this request needs ${requested} and ${left}. ` +
    `Pick fewer scenes or images, or wait: the limit resets ${dailyResetLabel(status.resetsAt)}.`
  );
}
