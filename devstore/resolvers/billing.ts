// Shopify's Billing API in the local store: app subscriptions with a recurring and/or a usage line
// item, usage records with Shopify's idempotency-key behaviour and capped amount, the active
// subscriptions on currentAppInstallation, cancel and capped-amount updates. Records live on the
// shop record (`appSubscriptions`), so they persist with the rest of the state file.
//
// Stand-in simplification: there is no merchant to click "Approve", so a new subscription is
// approved at once (ACTIVE) and its confirmationUrl leads straight back to returnUrl with
// charge_id, as Shopify's redirect after approval does. A raised capped amount applies at once too.
// A usage record that takes the period's balance past 90 % of the capped amount sends
// app_subscriptions/approaching_capped_amount, as Shopify does.
import { connection, type ConnectionArgs } from "../connection";
import type { Ctx } from "../context";
import { parseGid } from "../ids";
import { newId, nowIso, type ShopRecord } from "../state";
import { approachingCapPayload } from "../webhook-payloads";

type Status = "PENDING" | "ACTIVE" | "DECLINED" | "EXPIRED" | "FROZEN" | "CANCELLED";
type Interval = "EVERY_30_DAYS" | "ANNUAL";

interface UsageRecordRecord {
  id: number;
  description: string;
  /** In cents, to keep sums exact. */
  cents: number;
  idempotencyKey: string | null;
  createdAt: string;
}

interface LineItemRecord {
  id: number;
  currencyCode: string;
  usage: { cappedCents: number; terms: string; records: UsageRecordRecord[] } | null;
  recurring: { priceCents: number; interval: Interval } | null;
}

interface SubscriptionRecord {
  id: number;
  name: string;
  status: Status;
  test: boolean;
  trialDays: number;
  returnUrl: string;
  createdAt: string;
  activatedAt: string | null;
  lineItems: LineItemRecord[];
}

type ShopWithBilling = ShopRecord & { appSubscriptions?: SubscriptionRecord[] };

type UserError = { field: string[] | null; message: string };

const PERIOD_MS = 30 * 24 * 3600 * 1000;
/** Share of the capped amount at which Shopify warns the app. */
const APPROACHING_CAP = 0.9;
const MAX_IDEMPOTENCY_KEY = 255;

function subscriptionsOf(shop: ShopRecord): SubscriptionRecord[] {
  const s = shop as ShopWithBilling;
  s.appSubscriptions ??= [];
  return s.appSubscriptions;
}

const subscriptionGid = (id: number) => `gid://shopify/AppSubscription/${id}`;
const lineItemGid = (sub: SubscriptionRecord, item: LineItemRecord) =>
  `gid://shopify/AppSubscriptionLineItem/${item.id}?v=1&index=${sub.lineItems.indexOf(item)}`;
const usageRecordGid = (id: number) => `gid://shopify/AppUsageRecord/${id}`;

/** Shopify's Decimal: a string, at least one decimal ("10.0", "0.5"). */
function decimal(cents: number): string {
  const value = (cents / 100).toString();
  return value.includes(".") ? value : `${value}.0`;
}

/** A MoneyInput amount (Decimal: string or number) in cents; null when it is not a number. */
function toCents(amount: unknown): number | null {
  const n =
    typeof amount === "number" ? amount : typeof amount === "string" && amount.trim() !== "" ? Number(amount) : NaN;
  return Number.isFinite(n) ? Math.round(n * 100) : null;
}

function money(cents: number, currencyCode: string) {
  return { __typename: "MoneyV2", amount: decimal(cents), currencyCode };
}

/** Start of the 30-day billing period that contains `now`. */
function periodStart(sub: SubscriptionRecord, now = Date.now()): number {
  const start = Date.parse(sub.activatedAt ?? sub.createdAt);
  return start + Math.floor(Math.max(0, now - start) / PERIOD_MS) * PERIOD_MS;
}

function balanceCents(sub: SubscriptionRecord, item: LineItemRecord): number {
  const from = periodStart(sub);
  return (item.usage?.records ?? [])
    .filter((r) => Date.parse(r.createdAt) >= from)
    .reduce((sum, r) => sum + r.cents, 0);
}

function usageRecordView(sub: SubscriptionRecord, item: LineItemRecord, r: UsageRecordRecord) {
  return {
    __typename: "AppUsageRecord",
    id: usageRecordGid(r.id),
    description: r.description,
    idempotencyKey: r.idempotencyKey,
    createdAt: r.createdAt,
    price: money(r.cents, item.currencyCode),
    subscriptionLineItem: () => lineItemView(sub, item),
  };
}

function lineItemView(sub: SubscriptionRecord, item: LineItemRecord) {
  const pricingDetails = item.usage
    ? {
        __typename: "AppUsagePricing",
        terms: item.usage.terms,
        cappedAmount: money(item.usage.cappedCents, item.currencyCode),
        balanceUsed: money(balanceCents(sub, item), item.currencyCode),
        interval: "EVERY_30_DAYS",
      }
    : {
        __typename: "AppRecurringPricing",
        price: money(item.recurring!.priceCents, item.currencyCode),
        interval: item.recurring!.interval,
        discount: null,
      };
  return {
    __typename: "AppSubscriptionLineItem",
    id: lineItemGid(sub, item),
    plan: { __typename: "AppPlanV2", pricingDetails },
    usageRecords: (args: ConnectionArgs) =>
      connection(item.usage?.records ?? [], args, (r) => usageRecordView(sub, item, r)),
  };
}

function subscriptionView(sub: SubscriptionRecord) {
  return {
    __typename: "AppSubscription",
    id: subscriptionGid(sub.id),
    name: sub.name,
    status: sub.status,
    test: sub.test,
    trialDays: sub.trialDays,
    createdAt: sub.createdAt,
    returnUrl: sub.returnUrl,
    currentPeriodEnd: sub.status === "ACTIVE" ? new Date(periodStart(sub) + PERIOD_MS).toISOString() : null,
    lineItems: sub.lineItems.map((item) => lineItemView(sub, item)),
  };
}

function findLineItem(shop: ShopRecord, id: string): { sub: SubscriptionRecord; item: LineItemRecord } | null {
  const ref = parseGid(id);
  if (!ref || ref.type !== "AppSubscriptionLineItem") return null;
  for (const sub of subscriptionsOf(shop)) {
    const item = sub.lineItems.find((i) => i.id === ref.id);
    if (item) return { sub, item };
  }
  return null;
}

interface LineItemInput {
  plan: {
    appUsagePricingDetails?: { cappedAmount: { amount: unknown; currencyCode: string }; terms: string } | null;
    appRecurringPricingDetails?: {
      price: { amount: unknown; currencyCode: string };
      interval?: string | null;
      discount?: unknown;
    } | null;
  };
}

function checkLineItems(lineItems: LineItemInput[], errors: UserError[]): Omit<LineItemRecord, "id">[] {
  const out: Omit<LineItemRecord, "id">[] = [];
  if (lineItems.length === 0 || lineItems.length > 2)
    errors.push({ field: ["lineItems"], message: "An app subscription must have one or two line items." });
  lineItems.forEach((li, i) => {
    const field = ["lineItems", String(i), "plan"];
    const usage = li.plan.appUsagePricingDetails;
    const recurring = li.plan.appRecurringPricingDetails;
    if (!!usage === !!recurring) {
      errors.push({
        field,
        message: "A line item needs exactly one of appUsagePricingDetails and appRecurringPricingDetails.",
      });
      return;
    }
    if (usage) {
      const cents = toCents(usage.cappedAmount.amount);
      if (cents === null || cents <= 0)
        errors.push({
          field: [...field, "appUsagePricingDetails", "cappedAmount"],
          message: "Capped amount must be greater than 0",
        });
      if (!usage.terms?.trim())
        errors.push({ field: [...field, "appUsagePricingDetails", "terms"], message: "Terms can't be blank" });
      out.push({
        currencyCode: usage.cappedAmount.currencyCode,
        usage: { cappedCents: cents ?? 0, terms: usage.terms, records: [] },
        recurring: null,
      });
    } else if (recurring) {
      const cents = toCents(recurring.price.amount);
      if (cents === null || cents < 0)
        errors.push({
          field: [...field, "appRecurringPricingDetails", "price"],
          message: "Price must be 0 or greater",
        });
      if (recurring.discount)
        errors.push({
          field: [...field, "appRecurringPricingDetails", "discount"],
          message: "discount is not implemented by the local store",
        });
      const interval = (recurring.interval ?? "EVERY_30_DAYS") as Interval;
      out.push({
        currencyCode: recurring.price.currencyCode,
        usage: null,
        recurring: { priceCents: cents ?? 0, interval },
      });
    }
  });
  if (out.filter((i) => i.usage).length > 1 || out.filter((i) => i.recurring).length > 1) {
    errors.push({
      field: ["lineItems"],
      message: "An app subscription can have at most one usage and one recurring line item.",
    });
  }
  if (new Set(out.map((i) => i.currencyCode)).size > 1)
    errors.push({ field: ["lineItems"], message: "All line items must use the same currency." });
  return out;
}

function validUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

function activeSubscriptions(shop: ShopRecord): SubscriptionRecord[] {
  return subscriptionsOf(shop).filter((s) => s.status === "ACTIVE" || s.status === "FROZEN");
}

export const billingQueries = {
  currentAppInstallation(_args: unknown, ctx: Ctx) {
    return {
      __typename: "AppInstallation",
      id: `gid://shopify/AppInstallation/${ctx.shop.id}`,
      activeSubscriptions: () => activeSubscriptions(ctx.shop).map(subscriptionView),
      allSubscriptions: (args: ConnectionArgs) => connection(subscriptionsOf(ctx.shop), args, subscriptionView),
      // The local store sells no one-time purchases; the billing helpers still page through them.
      oneTimePurchases: (args: ConnectionArgs) => connection([], args, () => null),
    };
  },
};

export const billingMutations = {
  appSubscriptionCreate(
    args: {
      name: string;
      lineItems: LineItemInput[];
      test?: boolean | null;
      trialDays?: number | null;
      returnUrl: string;
      replacementBehavior?: string | null;
    },
    ctx: Ctx,
  ) {
    const errors: UserError[] = [];
    if (!args.name.trim()) errors.push({ field: ["name"], message: "Name can't be blank" });
    if (!validUrl(args.returnUrl)) errors.push({ field: ["returnUrl"], message: "Return url is invalid" });
    if (args.trialDays != null && args.trialDays < 0)
      errors.push({ field: ["trialDays"], message: "Trial days must be 0 or greater" });
    const items = checkLineItems(args.lineItems, errors);
    if (errors.length) return { appSubscription: null, confirmationUrl: null, userErrors: errors };

    const at = nowIso();
    // Approving a new subscription replaces the active one (one active subscription per app).
    for (const old of activeSubscriptions(ctx.shop)) old.status = "CANCELLED";
    const sub: SubscriptionRecord = {
      id: newId(ctx.store.state),
      name: args.name.trim(),
      status: "ACTIVE",
      test: args.test ?? false,
      trialDays: args.trialDays ?? 0,
      returnUrl: args.returnUrl,
      createdAt: at,
      activatedAt: at,
      lineItems: items.map((item) => ({ ...item, id: newId(ctx.store.state) })),
    };
    subscriptionsOf(ctx.shop).push(sub);
    ctx.store.changed();
    const confirmationUrl = new URL(args.returnUrl);
    confirmationUrl.searchParams.set("charge_id", String(sub.id));
    return { appSubscription: subscriptionView(sub), confirmationUrl: confirmationUrl.toString(), userErrors: [] };
  },

  appUsageRecordCreate(
    args: {
      subscriptionLineItemId: string;
      price: { amount: unknown; currencyCode: string };
      description: string;
      idempotencyKey?: string | null;
    },
    ctx: Ctx,
  ) {
    const fail = (field: string[] | null, message: string) => ({
      appUsageRecord: null,
      userErrors: [{ field, message }],
    });
    const found = findLineItem(ctx.shop, args.subscriptionLineItemId);
    if (!found) return fail(["subscriptionLineItemId"], "Subscription line item not found");
    const { sub, item } = found;
    if (!item.usage) return fail(["subscriptionLineItemId"], "Subscription line item must have a usage pricing plan");
    if (args.idempotencyKey != null && args.idempotencyKey.length > MAX_IDEMPOTENCY_KEY) {
      return fail(["idempotencyKey"], `Idempotency key is too long (maximum is ${MAX_IDEMPOTENCY_KEY} characters)`);
    }
    // Same key, same line item: Shopify answers with the record it already created, charging nothing.
    const existing = args.idempotencyKey
      ? item.usage.records.find((r) => r.idempotencyKey === args.idempotencyKey)
      : undefined;
    if (existing) return { appUsageRecord: usageRecordView(sub, item, existing), userErrors: [] };
    if (sub.status !== "ACTIVE") return fail(null, "The app subscription is not active");
    if (!args.description.trim()) return fail(["description"], "Description can't be blank");
    const cents = toCents(args.price.amount);
    if (cents === null || cents <= 0) return fail(["price"], "Price must be greater than 0");
    if (args.price.currencyCode !== item.currencyCode)
      return fail(["price", "currencyCode"], `Currency must be ${item.currencyCode}, the subscription's currency`);
    const before = balanceCents(sub, item);
    if (before + cents > item.usage.cappedCents) return fail(null, "Total price exceeds balance remaining");
    const record: UsageRecordRecord = {
      id: newId(ctx.store.state),
      description: args.description,
      cents,
      idempotencyKey: args.idempotencyKey ?? null,
      createdAt: nowIso(),
    };
    item.usage.records.push(record);
    ctx.store.changed();
    const threshold = item.usage.cappedCents * APPROACHING_CAP;
    if (before < threshold && before + cents >= threshold) {
      const usage = {
        balanceUsed: decimal(before + cents),
        cappedAmount: decimal(item.usage.cappedCents),
        currencyCode: item.currencyCode,
      };
      ctx.store.webhooks.trigger(
        "app_subscriptions/approaching_capped_amount",
        ctx.shop.domain,
        approachingCapPayload(ctx.shop, sub, usage),
      );
    }
    return { appUsageRecord: usageRecordView(sub, item, record), userErrors: [] };
  },

  appSubscriptionCancel(args: { id: string; prorate?: boolean | null }, ctx: Ctx) {
    const ref = parseGid(args.id);
    const sub = ref?.type === "AppSubscription" ? subscriptionsOf(ctx.shop).find((s) => s.id === ref.id) : undefined;
    if (!sub) return { appSubscription: null, userErrors: [{ field: ["id"], message: "Couldn't find subscription" }] };
    if (sub.status === "CANCELLED")
      return {
        appSubscription: null,
        userErrors: [{ field: ["id"], message: "The subscription is already cancelled" }],
      };
    sub.status = "CANCELLED";
    ctx.store.changed();
    return { appSubscription: subscriptionView(sub), userErrors: [] };
  },

  appSubscriptionLineItemUpdate(
    args: { id: string; cappedAmount: { amount: unknown; currencyCode: string } },
    ctx: Ctx,
  ) {
    const fail = (field: string[], message: string) => ({
      appSubscription: null,
      confirmationUrl: null,
      userErrors: [{ field, message }],
    });
    const found = findLineItem(ctx.shop, args.id);
    if (!found?.item.usage) return fail(["id"], "Subscription line item not found or not a usage line item");
    const cents = toCents(args.cappedAmount.amount);
    if (cents === null || cents <= found.item.usage.cappedCents)
      return fail(["cappedAmount"], "The capped amount can only be increased");
    if (args.cappedAmount.currencyCode !== found.item.currencyCode)
      return fail(["cappedAmount", "currencyCode"], `Currency must be ${found.item.currencyCode}`);
    found.item.usage.cappedCents = cents;
    ctx.store.changed();
    const confirmationUrl = new URL(found.sub.returnUrl);
    confirmationUrl.searchParams.set("charge_id", String(found.sub.id));
    return {
      appSubscription: subscriptionView(found.sub),
      confirmationUrl: confirmationUrl.toString(),
      userErrors: [],
    };
  },
};
