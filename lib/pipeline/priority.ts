import type { GenerationSource } from "../db/enums";

/**
 * BullMQ runs lower priority numbers first. Interactive work (a merchant waiting in the studio)
 * goes before bulk, bulk before automatic; within a tier, a shop's n-th open request waits behind
 * every other shop's first, so one shop's 1,000-product bulk job cannot starve another shop.
 */
const TIER_BASE: Record<GenerationSource, number> = { interactive: 1, bulk: 300_000, auto: 600_000 };
const MAX_POSITION = 299_998;

export function queuePriority(source: GenerationSource, openRequestsOfShop: number): number {
  return TIER_BASE[source] + Math.min(Math.max(0, openRequestsOfShop), MAX_POSITION);
}
