import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStore, type TestStore } from "../../devstore/test-store";
import { DEMO_SHOP } from "../../devstore/seed";
import type { PrismaClient } from "../db";
import { migratedSqlite, type MigratedSqlite } from "../../tests/harness/database";
import { saveShopSettings, DEFAULT_SHOP_SETTINGS } from "../shop-settings";
import { AdminClient } from "../shopify-admin/client";
import { PRICES_USD } from "../usage";
import { usageChargedUsd } from "../metrics/process";
import { chargeUsage } from "./charge";
import { PLAN_CAPPED_AMOUNT_USD, PLAN_NAME, testCharges } from "./plan";
import {
  affordableUnits,
  assertCanSpend,
  capMessage,
  PlanRequiredError,
  SpendingCapError,
  spendingStatus,
  usageKey,
} from "./spending";
import { activeUsagePlan, currentUsagePlan, type UsagePlan } from "./subscription";

let store: TestStore;
let admin: AdminClient;
let client: PrismaClient;
let database: MigratedSqlite;

async function subscribe(name: string, cappedAmount: number, test = true): Promise<void> {
  const { body } = await store.graphql(
    `mutation($name: String!, $amount: Decimal!, $test: Boolean) { appSubscriptionCreate(name: $name, test: $test, returnUrl: "https://app.example.com/app", lineItems: [{ plan: { appUsagePricingDetails: { cappedAmount: { amount: $amount, currencyCode: USD }, terms: "t" } } }]) { userErrors { message } } }`,
    { name, amount: cappedAmount, test },
  );
  expect(body.data.appSubscriptionCreate.userErrors).toEqual([]);
}

beforeAll(async () => {
  store = await startTestStore();
  admin = new AdminClient({ shop: DEMO_SHOP, accessToken: store.token, env: { SHOPIFY_LOCAL_STORE_URL: store.url } });
  database = await migratedSqlite();
  ({ client } = database);
});
afterAll(async () => {
  await database?.close();
  await store?.stop();
});

describe("testCharges", () => {
  it("uses test charges in development and against the local store, real ones in production, unless told", () => {
    expect(testCharges({ NODE_ENV: "development" })).toBe(true);
    expect(testCharges({ NODE_ENV: "production" })).toBe(false);
    expect(testCharges({ NODE_ENV: "production", SHOPIFY_LOCAL_STORE_URL: "http://127.0.0.1:1" })).toBe(true);
    expect(testCharges({ NODE_ENV: "development", SCENEBOOTH_TEST_CHARGES: "false" })).toBe(false);
    expect(() => testCharges({ SCENEBOOTH_TEST_CHARGES: "maybe" })).toThrow(
      /SCENEBOOTH_TEST_CHARGES must be true or false/,
    );
  });
});

describe("the SceneBooth plan on Shopify", () => {
  it("is absent until approved; another app plan or a test plan where only real charges count is not it", async () => {
    expect(await activeUsagePlan(admin, { acceptTest: true })).toBeNull();
    await subscribe("Some other plan", 50);
    expect(await activeUsagePlan(admin, { acceptTest: true })).toBeNull();
    await subscribe(PLAN_NAME, 5);
    expect(await activeUsagePlan(admin, { acceptTest: false })).toBeNull();
    expect(await activeUsagePlan(admin, { acceptTest: true })).toMatchObject({
      name: PLAN_NAME,
      test: true,
      cappedAmountUsd: 5,
      balanceUsedUsd: 0,
    });
    // What the app and the worker use: the test plan counts where charges are test charges.
    expect(await currentUsagePlan(admin, { NODE_ENV: "development" })).toMatchObject({ name: PLAN_NAME, test: true });
    expect(await currentUsagePlan(admin, { NODE_ENV: "production" })).toBeNull();
  });

  it("charges a usage event once, on Shopify and locally, however often it is retried", async () => {
    const plan = (await activeUsagePlan(admin, { acceptTest: true }))!;
    const event = {
      shop: DEMO_SHOP,
      kind: "tuned_product" as const,
      quantity: 1,
      eventKey: "run-1",
      description: "Taught the model: Teapot",
    };
    const usd = async () =>
      (await usageChargedUsd.get()).values.find((v) => v.labels.kind === "tuned_product")?.value ?? 0;
    const before = await usd();
    const first = await chargeUsage(client, admin, plan, event);
    const again = await chargeUsage(client, admin, plan, event);
    expect(again.shopifyRecordId).toBe(first.shopifyRecordId);
    // Operators' figure (/metrics) counts the retried charge once, as Shopify does.
    expect((await usd()) - before).toBe(PRICES_USD.tuned_product);
    expect((await activeUsagePlan(admin, { acceptTest: true }))!.balanceUsedUsd).toBe(PRICES_USD.tuned_product);
    const rows = await client.usageRecord.findMany({ where: { shop: DEMO_SHOP } });
    expect(rows).toEqual([
      expect.objectContaining({
        kind: "tuned_product",
        amountUsd: PRICES_USD.tuned_product,
        idempotencyKey: usageKey(DEMO_SHOP, "tuned_product", "run-1"),
      }),
    ]);
  });

  it("turns Shopify's refusal over the capped amount into SpendingCapError, and no plan into PlanRequiredError", async () => {
    const plan = (await activeUsagePlan(admin, { acceptTest: true }))!;
    const big = {
      shop: DEMO_SHOP,
      kind: "images_published" as const,
      quantity: 100,
      eventKey: "batch",
      description: "100 images",
    };
    await expect(chargeUsage(client, admin, plan, big)).rejects.toBeInstanceOf(SpendingCapError);
    expect(
      await client.usageRecord.count({ where: { idempotencyKey: usageKey(DEMO_SHOP, "images_published", "batch") } }),
    ).toBe(0);
    await expect(chargeUsage(client, admin, null, { ...big, quantity: 1 })).rejects.toBeInstanceOf(PlanRequiredError);
  });
});

describe("spending caps", () => {
  const SHOP = "caps.myshopify.com";
  const plan = (capped: number, used: number): UsagePlan => ({
    subscriptionId: "s",
    lineItemId: "l",
    name: PLAN_NAME,
    test: true,
    cappedAmountUsd: capped,
    balanceUsedUsd: used,
    currentPeriodEnd: "2026-12-20T00:00:00Z",
  });

  it("takes the lower of the merchant's monthly cap and the plan's remaining amount", async () => {
    await saveShopSettings(client, SHOP, { ...DEFAULT_SHOP_SETTINGS, monthlyCapUsd: 2 });
    await client.usageRecord.create({
      data: { shop: SHOP, kind: "tuned_product", quantity: 1, idempotencyKey: `${SHOP}:old`, amountUsd: 0.5 },
    });
    const merchantBound = await spendingStatus(client, SHOP, plan(PLAN_CAPPED_AMOUNT_USD, 0.5));
    expect(merchantBound).toMatchObject({
      binding: "merchant",
      remainingUsd: 1.5,
      spentThisMonthUsd: 0.5,
      reservedUsd: 0,
    });
    expect(affordableUnits(merchantBound, PRICES_USD.tuned_product)).toBe(3);
    const planBound = await spendingStatus(client, SHOP, plan(1, 0.5));
    expect(planBound).toMatchObject({ binding: "plan", remainingUsd: 0.5 });
    expect(capMessage(planBound, 1)).toMatch(
      /only \$0\.50 is left of the plan's \$1\.00 limit for this billing period.*December 20/,
    );
    expect(capMessage(merchantBound, 2)).toMatch(
      /This needs \$2\.00, but only \$1\.50 is left of your monthly spending cap of \$2\.00\. Raise the cap/,
    );
  });

  it("holds the price of open requests until they have tuned weights, so a second batch cannot slip under the cap", async () => {
    const subject = await client.subject.create({
      data: {
        shop: SHOP,
        productId: "gid://shopify/Product/1",
        productTitle: "Vase",
        classNoun: "vase",
        identifierToken: "<myvase>",
      },
    });
    const queued = await client.generation.create({
      data: { shop: SHOP, subjectId: subject.id, scenes: "[]", imagesPerScene: 1, status: "queued" },
    });
    await client.generation.create({
      data: { shop: SHOP, subjectId: subject.id, scenes: "[]", imagesPerScene: 1, status: "succeeded" },
    });
    let status = await spendingStatus(client, SHOP, plan(PLAN_CAPPED_AMOUNT_USD, 0.5));
    expect(status).toMatchObject({ reservedUsd: PRICES_USD.tuned_product, remainingUsd: 1 });

    // Tuning: the request still holds its price, except for the check before its own charge.
    const run = await client.tuningRun.create({
      data: {
        shop: SHOP,
        subjectId: subject.id,
        profile: "tiny",
        mode: "lora",
        settingsHash: "h",
        steps: 1,
        status: "running",
      },
    });
    await client.generation.update({ where: { id: queued.id }, data: { status: "running", tuningRunId: run.id } });
    expect(await spendingStatus(client, SHOP, plan(PLAN_CAPPED_AMOUNT_USD, 0.5))).toMatchObject({
      reservedUsd: PRICES_USD.tuned_product,
    });
    expect(
      await spendingStatus(client, SHOP, plan(PLAN_CAPPED_AMOUNT_USD, 0.5), { chargingGeneration: queued.id }),
    ).toMatchObject({ reservedUsd: 0, remainingUsd: 1.5 });
    await expect(assertCanSpend(client, SHOP, plan(PLAN_CAPPED_AMOUNT_USD, 0.5), 1.5)).rejects.toBeInstanceOf(
      SpendingCapError,
    );
    await expect(
      assertCanSpend(client, SHOP, plan(PLAN_CAPPED_AMOUNT_USD, 0.5), 1.5, { chargingGeneration: queued.id }),
    ).resolves.toMatchObject({ remainingUsd: 1.5 });

    // Once its run is charged and succeeded, the request holds nothing: the charge counts instead.
    await client.usageRecord.create({
      data: {
        shop: SHOP,
        kind: "tuned_product",
        quantity: 1,
        idempotencyKey: usageKey(SHOP, "tuned_product", run.id),
        amountUsd: 0.5,
      },
    });
    await client.tuningRun.update({ where: { id: run.id }, data: { status: "succeeded" } });
    status = await spendingStatus(client, SHOP, plan(PLAN_CAPPED_AMOUNT_USD, 1));
    expect(status).toMatchObject({ reservedUsd: 0, spentThisMonthUsd: 1, remainingUsd: 1 });
    // A request that reuses those weights is not charged for tuning, so it holds nothing either.
    await client.generation.create({
      data: {
        shop: SHOP,
        subjectId: subject.id,
        scenes: "[]",
        imagesPerScene: 1,
        status: "running",
        tuningRunId: run.id,
      },
    });
    expect(await spendingStatus(client, SHOP, plan(PLAN_CAPPED_AMOUNT_USD, 1))).toMatchObject({
      reservedUsd: 0,
      remainingUsd: 1,
    });

    await expect(assertCanSpend(client, SHOP, plan(PLAN_CAPPED_AMOUNT_USD, 1), 1.01)).rejects.toBeInstanceOf(
      SpendingCapError,
    );
    await expect(assertCanSpend(client, SHOP, plan(PLAN_CAPPED_AMOUNT_USD, 1), 1)).resolves.toMatchObject({
      remainingUsd: 1,
    });
    await expect(assertCanSpend(client, SHOP, null, 0.1)).rejects.toBeInstanceOf(PlanRequiredError);
  });
});
