// Helpers for the platform tests (bulk action, webhooks, lifecycle, billing) against the real stack.
import "@shopify/shopify-api/adapters/node";
import { randomUUID } from "node:crypto";
import { ApiVersion, LogSeverity, Session, shopifyApi } from "@shopify/shopify-api";
import { webhookHmac } from "../../devstore/webhooks";
import { billingConfig } from "../../app/services/billing.server";
import { PLAN_NAME } from "../../lib/billing";
import { countShopJobs } from "../../lib/lifecycle";
import { createRedisConnection } from "../../lib/queue/connection";
import { createProducers, type Producers } from "../../lib/queue/producer";
import { installLocalStoreFetch } from "../../lib/shopify-admin/local-store-fetch";
import { TEST_API_KEY, TEST_API_SECRET, type TestStack } from "../harness/stack";
import { SHOPIFY_API_VERSION } from "../../lib/shopify-admin/version";

/** The shop's offline session as the app stored it (after installShop). */
export async function offlineSession(stack: TestStack, shop: string): Promise<Session> {
  const row = await stack.db.session.findFirst({ where: { shop, isOnline: false } });
  if (!row) throw new Error(`${shop} has no offline session; call stack.installShop(shop) first`);
  return new Session({
    id: row.id,
    shop,
    state: row.state,
    isOnline: false,
    accessToken: row.accessToken,
    scope: row.scope ?? undefined,
  });
}

/**
 * The merchant approves the SceneBooth plan: @shopify/shopify-api's billing.request (the code behind
 * shopify-app-remix's `billing.request`) with the app's own billing config, against the local store.
 */
export async function approvePlan(stack: TestStack, shop: string): Promise<void> {
  installLocalStoreFetch({ SHOPIFY_LOCAL_STORE_URL: stack.store.url });
  const api = shopifyApi({
    apiKey: TEST_API_KEY,
    apiSecretKey: TEST_API_SECRET,
    apiVersion: SHOPIFY_API_VERSION as ApiVersion,
    hostName: new URL(stack.appUrl).host,
    isEmbeddedApp: true,
    scopes: ["read_products"],
    logger: { level: LogSeverity.Error },
    billing: billingConfig,
  });
  await api.billing.request({ session: await offlineSession(stack, shop), plan: PLAN_NAME, isTest: true });
}

/** An Admin GraphQL request to the local store with the shop's offline token (as the app would send it); waits out THROTTLED. */
export async function adminGraphql<T = any>(
  stack: TestStack,
  shop: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const session = await offlineSession(stack, shop);
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${stack.store.url}/admin/api/${SHOPIFY_API_VERSION}/graphql.json`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Access-Token": session.accessToken!,
        "X-Forwarded-Host": shop,
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: Array<{ extensions?: { code?: string } }> };
    if (body.errors?.some((e) => e.extensions?.code === "THROTTLED") && attempt < 20) {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    if (!response.ok || body.errors)
      throw new Error(`GraphQL failed: HTTP ${response.status} ${JSON.stringify(body.errors)}`);
    return body.data as T;
  }
}

/** How many of the product's images are processed (READY). */
export async function readyPhotos(stack: TestStack, shop: string, productId: string): Promise<number> {
  const data = await adminGraphql<{ product: { media: { nodes: Array<{ status: string }> } } | null }>(
    stack,
    shop,
    `query($id: ID!) { product(id: $id) { media(first: 20) { nodes { status } } } }`,
    { id: productId },
  );
  return data.product?.media.nodes.filter((m) => m.status === "READY").length ?? 0;
}

export interface ShopProduct {
  id: string;
  title: string;
  photos: number;
  urls: string[];
}

/** The shop's products with their READY images. */
export async function shopProducts(stack: TestStack, shop: string): Promise<ShopProduct[]> {
  const data = await adminGraphql<{
    products: {
      nodes: Array<{
        id: string;
        title: string;
        media: { nodes: Array<{ status: string; image?: { url: string } | null }> };
      }>;
    };
  }>(
    stack,
    shop,
    `{ products(first: 30) { nodes { id title media(first: 12) { nodes { status ... on MediaImage { image { url } } } } } } }`,
  );
  return data.products.nodes.map((p) => {
    const urls = p.media.nodes.filter((m) => m.status === "READY" && m.image?.url).map((m) => m.image!.url);
    return { id: p.id, title: p.title, photos: urls.length, urls };
  });
}

export async function productByTitle(stack: TestStack, shop: string, title: string): Promise<ShopProduct> {
  const found = (await shopProducts(stack, shop)).find((p) => p.title === title);
  if (!found) throw new Error(`no product "${title}" in ${shop}`);
  return found;
}

/** Waits until `check` holds (polling), or fails with `what`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Queue producers on the stack's private Redis prefix, to count what the app enqueued; close() also ends the connection. */
export function stackProducers(stack: TestStack): Producers {
  const connection = createRedisConnection(stack.env.REDIS_URL!);
  const producers = createProducers(connection, stack.env.QUEUE_PREFIX);
  return {
    ...producers,
    async close() {
      await producers.close();
      connection.disconnect();
    },
  };
}

export async function waitingJobs(producers: Producers, shop: string): Promise<number> {
  return (await countShopJobs(producers, shop)).waiting;
}

/** Posts a webhook to the app the way Shopify does: signed body, X-Shopify-* headers. */
export async function deliverWebhook(
  stack: TestStack,
  options: {
    path: string;
    topic: string;
    shop: string;
    body: string;
    eventId?: string;
    hmac?: string;
    triggeredAt?: string;
  },
): Promise<Response> {
  return fetch(new URL(options.path, stack.appUrl), {
    method: "POST",
    body: options.body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": options.topic,
      "X-Shopify-Hmac-Sha256": options.hmac ?? webhookHmac(options.body, TEST_API_SECRET),
      "X-Shopify-Shop-Domain": options.shop,
      "X-Shopify-API-Version": SHOPIFY_API_VERSION,
      "X-Shopify-Webhook-Id": randomUUID(),
      "X-Shopify-Event-Id": options.eventId ?? randomUUID(),
      "X-Shopify-Triggered-At": options.triggeredAt ?? new Date().toISOString(),
    },
  });
}

/** POST JSON to an api route as the admin extension does (session token, cross-origin). */
export async function extensionPost(
  stack: TestStack,
  path: string,
  shop: string,
  body: unknown,
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await stack.appFetch(path, {
    shop,
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: "https://extensions.shopifycdn.com" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
