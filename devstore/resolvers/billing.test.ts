// The local store's Billing API, driven by @shopify/shopify-api's own billing code (the code behind
// shopify-app-remix's `billing` helper), so the library's real queries and mutations are validated
// against the Admin schema and answered the way Shopify answers them.
import "@shopify/shopify-api/adapters/node";
import { ApiVersion, BillingError, BillingInterval, LogSeverity, Session, shopifyApi } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installLocalStoreFetch, uninstallLocalStoreFetch } from "../../lib/shopify-admin/local-store-fetch";
import { DEMO_SHOP, OTHER_SHOP } from "../seed";
import { startTestStore, TEST_API_KEY, TEST_API_SECRET, type TestStore } from "../test-store";
import { SHOPIFY_API_VERSION } from "../../lib/shopify-admin/version";

const PLAN = "Usage plan";
let store: TestStore;
let shopify: ReturnType<typeof makeApi>;

function makeApi() {
  return shopifyApi({
    apiKey: TEST_API_KEY,
    apiSecretKey: TEST_API_SECRET,
    apiVersion: SHOPIFY_API_VERSION as ApiVersion,
    hostName: "app.example.com",
    isEmbeddedApp: true,
    scopes: ["read_products"],
    logger: { level: LogSeverity.Error },
    billing: {
      [PLAN]: {
        lineItems: [
          { interval: BillingInterval.Usage, amount: 10, currencyCode: "USD", terms: "$1 per tuned product" },
        ],
      },
    },
  });
}

function session(shop: string, accessToken: string): Session {
  return new Session({ id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken });
}

beforeAll(async () => {
  store = await startTestStore();
  installLocalStoreFetch({ SHOPIFY_LOCAL_STORE_URL: store.url });
  shopify = makeApi();
});
afterAll(async () => {
  uninstallLocalStoreFetch();
  await store?.stop();
});

describe("local store billing", () => {
  it("has no active payment before the plan is requested", async () => {
    expect(await shopify.billing.check({ session: session(DEMO_SHOP, store.token), plans: [PLAN], isTest: true })).toBe(
      false,
    );
  });

  it("creates a usage subscription, approved at once, with a confirmation URL back to the app", async () => {
    const created = await shopify.billing.request({
      session: session(DEMO_SHOP, store.token),
      plan: PLAN,
      isTest: true,
      returnUrl: "https://app.example.com/app?x=1",
      returnObject: true,
    });
    expect(created.confirmationUrl).toMatch(/^https:\/\/app\.example\.com\/app\?x=1&charge_id=\d+$/);
    const payments = await shopify.billing.check({
      session: session(DEMO_SHOP, store.token),
      plans: [PLAN],
      isTest: true,
      returnObject: true,
    });
    expect(payments.hasActivePayment).toBe(true);
    expect(payments.appSubscriptions).toHaveLength(1);
    const [sub] = payments.appSubscriptions;
    expect(sub).toMatchObject({ name: PLAN, test: true, status: "ACTIVE" });
    expect(sub!.lineItems![0]!.plan.pricingDetails).toMatchObject({
      cappedAmount: { amount: 10, currencyCode: "USD" },
      balanceUsed: { amount: 0 },
    });
    // A test subscription does not count where only real charges are accepted.
    expect(
      await shopify.billing.check({ session: session(DEMO_SHOP, store.token), plans: [PLAN], isTest: false }),
    ).toBe(false);
  });

  it("records usage against the capped amount and refuses a charge above it", async () => {
    const s = session(DEMO_SHOP, store.token);
    const first = await shopify.billing.createUsageRecord({
      session: s,
      description: "Tuned: Teapot",
      price: { amount: 6, currencyCode: "USD" },
      isTest: true,
    });
    // The library passes the record's price through as Shopify sends it (a Decimal string).
    expect(first.price).toEqual({ amount: "6.0", currencyCode: "USD" });
    await expect(
      shopify.billing.createUsageRecord({
        session: s,
        description: "Tuned: Vase",
        price: { amount: 5, currencyCode: "USD" },
        isTest: true,
      }),
    ).rejects.toThrow(BillingError);
    const payments = await shopify.billing.check({ session: s, plans: [PLAN], isTest: true, returnObject: true });
    expect(payments.appSubscriptions[0]!.lineItems![0]!.plan.pricingDetails).toMatchObject({
      balanceUsed: { amount: 6 },
    });
  });

  it("honours the idempotency key of appUsageRecordCreate: the same key charges once", async () => {
    const { body: installation } = await store.graphql(
      `{ currentAppInstallation { activeSubscriptions { lineItems { id } } } }`,
    );
    const lineItemId = installation.data.currentAppInstallation.activeSubscriptions[0].lineItems[0].id as string;
    const charge = `mutation($id: ID!, $key: String) { appUsageRecordCreate(subscriptionLineItemId: $id, price: { amount: "0.5", currencyCode: USD }, description: "Published image", idempotencyKey: $key) { appUsageRecord { id idempotencyKey price { amount } } userErrors { message } } }`;
    const a = await store.graphql(charge, { id: lineItemId, key: "publish:candidate-1" });
    const b = await store.graphql(charge, { id: lineItemId, key: "publish:candidate-1" });
    expect(a.body.data.appUsageRecordCreate.userErrors).toEqual([]);
    expect(b.body.data.appUsageRecordCreate.appUsageRecord).toEqual(a.body.data.appUsageRecordCreate.appUsageRecord);
    expect(a.body.data.appUsageRecordCreate.appUsageRecord.price.amount).toBe("0.5");
    const { body } = await store.graphql(
      `{ currentAppInstallation { activeSubscriptions { lineItems { plan { pricingDetails { ... on AppUsagePricing { balanceUsed { amount } } } } } } } }`,
    );
    expect(
      body.data.currentAppInstallation.activeSubscriptions[0].lineItems[0].plan.pricingDetails.balanceUsed.amount,
    ).toBe("6.5");
  });

  it("keeps subscriptions per shop: another shop's line item is not found", async () => {
    const { body: installation } = await store.graphql(
      `{ currentAppInstallation { activeSubscriptions { lineItems { id } } } }`,
    );
    const lineItemId = installation.data.currentAppInstallation.activeSubscriptions[0].lineItems[0].id as string;
    const otherToken = store.control.issueAccessToken(OTHER_SHOP);
    const { body } = await store.graphql(
      `mutation($id: ID!) { appUsageRecordCreate(subscriptionLineItemId: $id, price: { amount: 1, currencyCode: USD }, description: "x") { appUsageRecord { id } userErrors { field message } } }`,
      { id: lineItemId },
      { token: otherToken, shop: OTHER_SHOP },
    );
    expect(body.data.appUsageRecordCreate.userErrors).toEqual([
      { field: ["subscriptionLineItemId"], message: "Subscription line item not found" },
    ]);
  });

  it("raises the capped amount and cancels, as the billing helpers do", async () => {
    const s = session(DEMO_SHOP, store.token);
    const before = await shopify.billing.check({ session: s, plans: [PLAN], isTest: true, returnObject: true });
    const sub = before.appSubscriptions[0]!;
    await shopify.billing.updateUsageCappedAmount({
      session: s,
      subscriptionLineItemId: sub.lineItems![0]!.id,
      cappedAmount: { amount: 20, currencyCode: "USD" },
    });
    const raised = await shopify.billing.check({ session: s, plans: [PLAN], isTest: true, returnObject: true });
    expect(raised.appSubscriptions[0]!.lineItems![0]!.plan.pricingDetails).toMatchObject({
      cappedAmount: { amount: 20 },
    });
    const cancelled = await shopify.billing.cancel({
      session: s,
      subscriptionId: sub.id,
      isTest: true,
      prorate: false,
    });
    expect(cancelled.status).toBe("CANCELLED");
    expect(await shopify.billing.check({ session: s, plans: [PLAN], isTest: true })).toBe(false);
  });

  it("refuses an invalid plan with userErrors", async () => {
    const { body } = await store.graphql(
      `mutation { appSubscriptionCreate(name: "Bad", returnUrl: "https://app.example.com", lineItems: [{ plan: { appUsagePricingDetails: { cappedAmount: { amount: 0, currencyCode: USD }, terms: "" } } }]) { appSubscription { id } userErrors { message } } }`,
    );
    expect(body.data.appSubscriptionCreate.userErrors.map((e: { message: string }) => e.message)).toEqual([
      "Capped amount must be greater than 0",
      "Terms can't be blank",
    ]);
  });
});
