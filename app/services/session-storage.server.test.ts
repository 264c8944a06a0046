// The app's session storage under @shopify/shopify-app-remix with expiring offline tokens: the
// library's own refresh paths (unauthenticated.admin here; authenticate.webhook the same) go through
// the shared per-shop lock, so concurrent callers cause one refresh, and non-expiring sessions migrate.
import "@shopify/shopify-app-remix/adapters/node";
import { randomUUID } from "node:crypto";
import type { PrismaClient as SessionStoragePrismaClient } from "@prisma/client";
import { RequestedTokenType, shopifyApi } from "@shopify/shopify-api";
import { ApiVersion, AppDistribution, LogSeverity, shopifyApp } from "@shopify/shopify-app-remix/server";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "../../devstore/seed";
import { startTestStore, TEST_API_KEY, TEST_API_SECRET, type TestStore } from "../../devstore/test-store";
import { createPrismaClient, type PrismaClient } from "../../lib/db";
import { migratedTestDatabase } from "../../tests/harness/database";
import { installLocalStoreFetch, uninstallLocalStoreFetch } from "../../lib/shopify-admin/local-store-fetch";
import { OfflineTokens, offlineSessionId } from "../../lib/shopify-admin/offline-tokens";
import { shopifyTokenEndpoint } from "../../lib/shopify-admin/token-endpoint";
import { RenewingSessionStorage } from "./session-storage.server";

let store: TestStore;
let client: PrismaClient;
let drop: () => Promise<void>;
let redis: Redis;
const keyPrefix = `test-session-storage-${randomUUID()}`;

beforeAll(async () => {
  store = await startTestStore({ appUrl: "http://localhost:3000" });
  installLocalStoreFetch({ SHOPIFY_LOCAL_STORE_URL: store.url });
  const database = await migratedTestDatabase("sqlite");
  drop = database.drop;
  client = createPrismaClient(database.url);
  redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
});
afterAll(async () => {
  uninstallLocalStoreFetch();
  redis?.disconnect();
  await client?.$disconnect();
  await drop?.();
  await store?.stop();
});

/** One app process: its own library instance and OfflineTokens, sharing the database and Redis. */
function appProcess() {
  const tokens = new OfflineTokens({
    client,
    redis: async () => redis,
    keyPrefix,
    endpoint: shopifyTokenEndpoint({
      apiKey: TEST_API_KEY,
      apiSecret: TEST_API_SECRET,
      appUrl: "http://localhost:3000",
      scopes: ["read_products"],
    }),
  });
  return shopifyApp({
    apiKey: TEST_API_KEY,
    apiSecretKey: TEST_API_SECRET,
    appUrl: "http://localhost:3000",
    apiVersion: ApiVersion.January25,
    scopes: ["read_products", "write_products", "write_files"],
    distribution: AppDistribution.AppStore,
    future: { unstable_newEmbeddedAuthStrategy: true, expiringOfflineAccessTokens: true },
    logger: { level: LogSeverity.Error },
    sessionStorage: new RenewingSessionStorage(client as unknown as SessionStoragePrismaClient, () => tokens),
  });
}

async function storeSession(data: { accessToken: string; expires: Date | null; refreshToken: string | null }) {
  const row = {
    shop: DEMO_SHOP,
    state: "",
    isOnline: false,
    scope: "read_products,write_products,write_files",
    refreshTokenExpires: data.refreshToken ? new Date(Date.now() + 86_400_000) : null,
    ...data,
  };
  await client.session.upsert({
    where: { id: offlineSessionId(DEMO_SHOP) },
    create: { id: offlineSessionId(DEMO_SHOP), ...row },
    update: row,
  });
}

const stored = () => client.session.findUniqueOrThrow({ where: { id: offlineSessionId(DEMO_SHOP) } });

describe("RenewingSessionStorage", () => {
  it("migrates a non-expiring session to an expiring pair when the library loads it", async () => {
    const legacy = store.control.issueAccessToken(DEMO_SHOP);
    await storeSession({ accessToken: legacy, expires: null, refreshToken: null });
    const { session } = await appProcess().unauthenticated.admin(DEMO_SHOP);
    expect(session.accessToken).not.toBe(legacy);
    expect((await stored()).refreshToken).toMatch(/^shprt_/);
  });

  it("five concurrent unauthenticated.admin calls in two processes on an expired session cause one refresh, and every one can query", async () => {
    // The pair the library stores when the merchant opens the app (token exchange, expiring).
    const { session: fresh } = await shopifyApi({
      apiKey: TEST_API_KEY,
      apiSecretKey: TEST_API_SECRET,
      hostName: "localhost:3000",
      apiVersion: ApiVersion.January25,
      isEmbeddedApp: true,
      logger: { level: LogSeverity.Error },
    }).auth.tokenExchange({
      shop: DEMO_SHOP,
      sessionToken: await store.control.mintSessionToken(DEMO_SHOP),
      requestedTokenType: RequestedTokenType.OfflineAccessToken,
      expiring: true,
    });
    await storeSession({
      accessToken: fresh.accessToken!,
      expires: new Date(Date.now() - 1000),
      refreshToken: fresh.refreshToken!,
    });
    store.control.expireAccessTokens(DEMO_SHOP);

    const before = store.control.tokenRefreshes(DEMO_SHOP);
    const [one, two] = [appProcess(), appProcess()];
    const contexts = await Promise.all(
      Array.from({ length: 5 }, (_, i) => (i % 2 ? one : two).unauthenticated.admin(DEMO_SHOP)),
    );
    expect(store.control.tokenRefreshes(DEMO_SHOP)).toEqual({
      refreshed: before.refreshed + 1,
      refused: before.refused,
    });
    for (const { admin } of contexts) {
      const response = await admin.graphql("{ shop { myshopifyDomain } }");
      expect(await response.json()).toMatchObject({ data: { shop: { myshopifyDomain: DEMO_SHOP } } });
    }
  });

  it("a refused refresh leaves the session without a token instead of an error, and is not tried again by the library", async () => {
    store.control.revokeTokens(DEMO_SHOP);
    await client.session.update({
      where: { id: offlineSessionId(DEMO_SHOP) },
      data: { expires: new Date(Date.now() - 1000) },
    });
    const before = store.control.tokenRefreshes(DEMO_SHOP);
    const { session } = await appProcess().unauthenticated.admin(DEMO_SHOP);
    expect(session.accessToken).toBeUndefined();
    expect(store.control.tokenRefreshes(DEMO_SHOP)).toEqual({
      refreshed: before.refreshed,
      refused: before.refused + 1,
    });
    expect((await stored()).accessToken).toBe("");
  });
});
