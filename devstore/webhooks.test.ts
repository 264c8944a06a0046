import http from "node:http";
import type { AddressInfo } from "node:net";
import crypto from "node:crypto";
import "@shopify/shopify-api/adapters/node";
import { ApiVersion, LogSeverity, shopifyApi } from "@shopify/shopify-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "./seed";
import { includeFields } from "./webhooks";
import { startTestStore, TEST_API_KEY, TEST_API_SECRET, type TestStore } from "./test-store";
import { SHOPIFY_API_VERSION } from "../lib/shopify-admin/version";

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** What @shopify/shopify-api's webhook validation said about it. */
  valid: boolean;
}

const shopify = shopifyApi({
  apiKey: TEST_API_KEY,
  apiSecretKey: TEST_API_SECRET,
  hostName: "localhost",
  apiVersion: SHOPIFY_API_VERSION as ApiVersion,
  isEmbeddedApp: true,
  logger: { level: LogSeverity.Error },
});

let received: Received[] = [];
/** Status codes the receiver answers with, one per request; 200 once used up. */
let answers: number[] = [];
let app: http.Server;
let store: TestStore;

beforeAll(async () => {
  app = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const check = await shopify.webhooks.validate({ rawBody: body, rawRequest: req, rawResponse: res });
      received.push({ path: req.url ?? "", headers: req.headers, body, valid: check.valid });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => app.listen(0, "127.0.0.1", () => r()));
  store = await startTestStore({ appUrl: `http://127.0.0.1:${(app.address() as AddressInfo).port}` });
});
afterAll(async () => {
  await store.stop();
  await new Promise((r) => app.close(r));
});
beforeEach(() => {
  received = [];
  answers = [];
  store.control.setWebhookDuplicates(false);
});

describe("webhook delivery", () => {
  it("sends products/create for a product created through GraphQL, signed and with Shopify's headers", async () => {
    const { body } = await store.graphql(
      `mutation { productCreate(product: { title: "Linen Tote", productType: "bag" }) { product { id handle } userErrors { message } } }`,
    );
    expect(body.data.productCreate.userErrors).toEqual([]);
    await store.control.webhooksSettled();
    expect(received).toHaveLength(1);
    const [hook] = received;
    expect(hook!.path).toBe("/webhooks/products");
    expect(hook!.valid).toBe(true);
    expect(hook!.headers["x-shopify-hmac-sha256"]).toBe(
      crypto.createHmac("sha256", TEST_API_SECRET).update(hook!.body).digest("base64"),
    );
    expect(hook!.headers).toMatchObject({
      "x-shopify-topic": "products/create",
      "x-shopify-shop-domain": DEMO_SHOP,
      "x-shopify-api-version": SHOPIFY_API_VERSION,
    });
    expect(hook!.headers["x-shopify-webhook-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(hook!.headers["x-shopify-event-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(String(hook!.headers["x-shopify-triggered-at"]))).toBeGreaterThan(0);
    // shopify.app.toml's include_fields: only what the app reads.
    expect(JSON.parse(hook!.body)).toEqual({
      title: "Linen Tote",
      product_type: "bag",
      status: "active",
      media: [],
      admin_graphql_api_id: body.data.productCreate.product.id,
    });
  });

  it("include_fields keeps top-level fields and, with a period, fields inside objects and arrays", () => {
    const product = {
      id: 1,
      title: "T",
      handle: "t",
      media: [
        { id: 2, status: "ready", alt: "x" },
        { id: 3, status: "processing", alt: null },
      ],
      image: { src: "u", alt: "a" },
    };
    expect(includeFields(product, ["title", "media.status", "image.src", "missing"])).toEqual({
      title: "T",
      media: [{ status: "ready" }, { status: "processing" }],
      image: { src: "u" },
    });
    expect(includeFields(product, ["media", "media.status"])).toEqual({ media: product.media });
  });

  it("sends bulk_operations/finish when a bulk query ends, with the operation's id", async () => {
    const { body } = await store.graphql(
      `mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") { bulkOperation { id } userErrors { message } } }`,
    );
    const id = body.data.bulkOperationRunQuery.bulkOperation.id;
    await new Promise((r) => setTimeout(r, 300));
    await store.control.webhooksSettled();
    const hook = received.find((r) => r.headers["x-shopify-topic"] === "bulk_operations/finish")!;
    expect(hook.path).toBe("/webhooks/bulk_operations/finish");
    expect(hook.valid).toBe(true);
    expect(JSON.parse(hook.body)).toMatchObject({
      admin_graphql_api_id: id,
      status: "completed",
      type: "query",
      error_code: null,
      completed_at: expect.any(String),
    });
  });

  it("sends app_subscriptions/approaching_capped_amount once, when usage passes 90 % of the capped amount", async () => {
    const { body } = await store.graphql(
      `mutation { appSubscriptionCreate(name: "Usage", returnUrl: "https://app.test/", test: true, lineItems: [{ plan: { appUsagePricingDetails: { cappedAmount: { amount: 10, currencyCode: USD }, terms: "t" } } }]) { appSubscription { lineItems { id } } userErrors { message } } }`,
    );
    const lineItem = body.data.appSubscriptionCreate.appSubscription.lineItems[0].id;
    const charge = (amount: number) =>
      store.graphql(
        `mutation($id: ID!, $amount: Decimal!) { appUsageRecordCreate(subscriptionLineItemId: $id, price: { amount: $amount, currencyCode: USD }, description: "d") { userErrors { message } } }`,
        { id: lineItem, amount },
      );
    await charge(8.5);
    await store.control.webhooksSettled();
    const warnings = () =>
      received.filter((r) => r.headers["x-shopify-topic"] === "app_subscriptions/approaching_capped_amount");
    expect(warnings()).toHaveLength(0);
    await charge(0.6);
    await charge(0.5);
    await store.control.webhooksSettled();
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]!.path).toBe("/webhooks/app_subscriptions/approaching_capped_amount");
    expect(JSON.parse(warnings()[0]!.body).app_subscription).toMatchObject({
      capped_amount: "10.0",
      balance_used: 9.1,
      currency_code: "USD",
    });
  });

  it("productDelete removes the product and its media and sends products/delete with the product's id", async () => {
    const { id } = store.control.createProduct(DEMO_SHOP, { title: "Deleted Vase", imageUrls: [] });
    await store.control.webhooksSettled();
    received = [];
    const { body } = await store.graphql(
      `mutation($id: ID!) { productDelete(input: { id: $id }) { deletedProductId userErrors { field message } } }`,
      { id },
    );
    expect(body.data.productDelete).toEqual({ deletedProductId: id, userErrors: [] });
    expect((await store.graphql(`query($id: ID!) { product(id: $id) { id } }`, { id })).body.data.product).toBeNull();
    expect(store.control.productMedia(DEMO_SHOP, id)).toEqual([]);
    await store.control.webhooksSettled();
    expect(received.map((r) => [r.path, r.headers["x-shopify-topic"], r.valid])).toEqual([
      ["/webhooks/products/delete", "products/delete", true],
    ]);
    expect(JSON.parse(received[0]!.body)).toEqual({ id: Number(id.split("/").pop()) });
    const again = await store.graphql(
      `mutation($id: ID!) { productDelete(input: { id: $id }) { deletedProductId userErrors { field message } } }`,
      { id },
    );
    expect(again.body.data.productDelete).toEqual({
      deletedProductId: null,
      userErrors: [{ field: ["id"], message: "Product does not exist" }],
    });
  });

  it("fails validation when the body is changed on the way (the check is real)", async () => {
    store.control.createProduct(DEMO_SHOP, { title: "Checked" });
    await store.control.webhooksSettled();
    const hook = received[0]!;
    const tampered = await shopify.webhooks.validate({
      rawBody: hook.body.replace("Checked", "Changed"),
      rawRequest: { headers: hook.headers } as http.IncomingMessage,
      rawResponse: new http.ServerResponse({ method: "POST" } as http.IncomingMessage),
    });
    expect(tampered.valid).toBe(false);
  });

  it("redelivers after a 500, with the same webhook and event ids", async () => {
    answers = [500, 503];
    store.control.createProduct(DEMO_SHOP, { title: "Retried Mug" });
    await store.control.webhooksSettled();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers["x-shopify-webhook-id"])).size).toBe(1);
    expect(new Set(received.map((r) => r.headers["x-shopify-event-id"])).size).toBe(1);
    expect(
      store.control
        .webhookAttempts()
        .slice(-3)
        .map((a) => a.status),
    ).toEqual([500, 503, 200]);
  });

  it("gives up after the retry bound when the app keeps failing", async () => {
    answers = [500, 500, 500, 500, 500];
    store.control.createProduct(DEMO_SHOP, { title: "Never Delivered" });
    await store.control.webhooksSettled();
    expect(received).toHaveLength(4);
  });

  it("sends the same event twice when the duplicate switch is on", async () => {
    store.control.setWebhookDuplicates(true);
    store.control.createProduct(DEMO_SHOP, { title: "Twice" });
    await store.control.webhooksSettled();
    expect(received).toHaveLength(2);
    expect(received[0]!.headers["x-shopify-event-id"]).toBe(received[1]!.headers["x-shopify-event-id"]);
    expect(received[0]!.headers["x-shopify-webhook-id"]).not.toBe(received[1]!.headers["x-shopify-webhook-id"]);
  });

  it("sends products/update for a product change, app/uninstalled (and revokes tokens), and the compliance topics", async () => {
    const { body } = await store.graphql(`{ products(first: 1, query: "handle:vase") { nodes { id } } }`);
    await store.graphql(
      `mutation($id: ID!) { productUpdate(product: { id: $id, title: "Vase" }) { userErrors { message } } }`,
      { id: body.data.products.nodes[0].id },
    );
    store.control.compliance("customers/data_request", DEMO_SHOP);
    store.control.compliance("customers/redact", DEMO_SHOP);
    store.control.compliance("shop/redact", DEMO_SHOP);
    store.control.uninstall(DEMO_SHOP);
    await store.control.webhooksSettled();
    expect(received.map((r) => [r.headers["x-shopify-topic"], r.path])).toEqual([
      ["products/update", "/webhooks/products"],
      ["customers/data_request", "/webhooks/compliance"],
      ["customers/redact", "/webhooks/compliance"],
      ["shop/redact", "/webhooks/compliance"],
      ["app/uninstalled", "/webhooks/app/uninstalled"],
    ]);
    expect(received.every((r) => r.valid)).toBe(true);
    expect(JSON.parse(received[4]!.body)).toMatchObject({ myshopify_domain: DEMO_SHOP });
    expect((await store.graphql(`{ shop { name } }`)).status).toBe(401);
  });
});
