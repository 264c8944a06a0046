// app_subscriptions/approaching_capped_amount: Shopify warns that usage charges reached 90 % of the
// plan's capped amount. The warning is kept on the shop's row and shown in the app until the cap
// changes (the merchant raised it) or the merchant dismisses it.
import { db } from "../../lib/db";

export interface CapNotice {
  cappedUsd: number;
  balanceUsd: number;
  at: string;
}

export class CapNoticePayloadError extends Error {
  override name = "CapNoticePayloadError";
}

/** The body's usage and cap; a body without them is refused (400) before anything is stored. */
export function parseCapNotice(payload: unknown): { cappedUsd: number; balanceUsd: number } {
  const sub = (payload as { app_subscription?: { capped_amount?: unknown; balance_used?: unknown } } | null)
    ?.app_subscription;
  const cappedUsd = Number(sub?.capped_amount);
  const balanceUsd = Number(sub?.balance_used);
  if (!sub || !Number.isFinite(cappedUsd) || cappedUsd <= 0 || !Number.isFinite(balanceUsd)) {
    throw new CapNoticePayloadError(
      "app_subscriptions/approaching_capped_amount body has no app_subscription with capped_amount and balance_used",
    );
  }
  return { cappedUsd, balanceUsd };
}

export async function recordCapNotice(shop: string, payload: unknown, triggeredAt: Date): Promise<void> {
  const { cappedUsd, balanceUsd } = parseCapNotice(payload);
  const data = { capNoticeAt: triggeredAt, capNoticeCappedUsd: cappedUsd, capNoticeBalanceUsd: balanceUsd };
  await db().shop.upsert({ where: { shop }, create: { shop, ...data }, update: data });
}

/** The usage line's capped amount in a billing check (authenticate.admin's billing.require); null when there is none. */
export function cappedAmountOf(check: unknown): number | null {
  const subscriptions = (
    check as {
      appSubscriptions?: Array<{
        lineItems?: Array<{ plan?: { pricingDetails?: { cappedAmount?: { amount?: unknown } } } }>;
      }>;
    } | null
  )?.appSubscriptions;
  for (const sub of subscriptions ?? []) {
    for (const item of sub.lineItems ?? []) {
      const amount = Number(item.plan?.pricingDetails?.cappedAmount?.amount);
      if (Number.isFinite(amount)) return amount;
    }
  }
  return null;
}

/** The notice to show: none once dismissed, or once the plan's cap is no longer the one it warned about. */
export async function capNotice(shop: string, currentCapUsd: number | null): Promise<CapNotice | null> {
  const row = await db().shop.findUnique({
    where: { shop },
    select: { capNoticeAt: true, capNoticeCappedUsd: true, capNoticeBalanceUsd: true },
  });
  if (!row?.capNoticeAt || row.capNoticeCappedUsd === null || row.capNoticeBalanceUsd === null) return null;
  if (currentCapUsd !== null && Math.abs(currentCapUsd - row.capNoticeCappedUsd) > 0.005) return null;
  return { cappedUsd: row.capNoticeCappedUsd, balanceUsd: row.capNoticeBalanceUsd, at: row.capNoticeAt.toISOString() };
}

export async function dismissCapNotice(shop: string): Promise<void> {
  await db().shop.updateMany({
    where: { shop },
    data: { capNoticeAt: null, capNoticeCappedUsd: null, capNoticeBalanceUsd: null },
  });
}
