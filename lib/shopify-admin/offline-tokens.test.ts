// OfflineTokens against the local store, a real SQLite database and Redis: refresh before expiry and
// once after a 401, one refresh per shop across processes, a refused refresh, and the migration of
// non-expiring tokens.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "../../devstore/seed";
import { startTestStore, TEST_API_KEY, TEST_API_SECRET, type TestStore } from "../../devstore/test-store";
import { createPrismaClient, type PrismaClient } from "../db";
import { migratedTestDatabase } from "../../tests/harness/database";
import { AdminClient } from "./client";
import { ShopInfoDocument } from "./generated";
import { installLocalStoreFetch, uninstallLocalStoreFetch } from "./local-store-fetch";
import { migrateOfflineTokens } from "./migrate-offline-tokens";
import { OfflineTokens, offlineSessionId, ReconnectRequiredError, RECONNECT_MESSAGE } from "./offline-tokens";
import { offlineTokenSource } from "./shop-admin";
import { shopifyTokenEndpoint } from "./token-endpoint";

let store: TestStore;
let client: PrismaClient;
let drop: () => Promise<void>;
let redis: Redis;
const prefix = `test-tokens-${randomUUID()}`;
const endpoint = () =>
  shopifyTokenEndpoint({
    apiKey: TEST_API_KEY,
    apiSecret: TEST_API_SECRET,
    appUrl: "http://localhost:3000",
    scopes: ["read_products"],
  });
/** One per simulated process: each has its own OfflineTokens and Redis connection, sharing the database and Redis. */
const processTokens = (connection = redis) =>
  new OfflineTokens({ client, redis: async () => connection, keyPrefix: prefix, endpoint: endpoint() });

beforeAll(async () => {
  store = await startTestStore();
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
beforeEach(() => {
  store.control.configureTokens({ expiringTtlSeconds: 3600, nonExpiring: "accepted" });
});

/** The shop's offline session as the app stores it after the merchant opened it with expiring tokens. */
async function installExpiring(options: { expiresInMs?: number } = {}) {
  const res = await fetch(`${store.url}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-Host": DEMO_SHOP },
    body: JSON.stringify({
      client_id: TEST_API_KEY,
      client_secret: TEST_API_SECRET,
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: await store.control.mintSessionToken(DEMO_SHOP),
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
      expiring: "1",
    }),
  });
  const pair = (await res.json()) as {
    access_token: string;
    refresh_token: string;
    expires_in: number;
    refresh_token_expires_in: number;
  };
  const expires = new Date(Date.now() + (options.expiresInMs ?? pair.expires_in * 1000));
  if (options.expiresInMs !== undefined && options.expiresInMs <= 0)
    store.control.expireAccessTokens(DEMO_SHOP, expires);
  const data = {
    shop: DEMO_SHOP,
    state: "",
    isOnline: false,
    scope: "read_products",
    accessToken: pair.access_token,
    expires,
    refreshToken: pair.refresh_token,
    refreshTokenExpires: new Date(Date.now() + pair.refresh_token_expires_in * 1000),
  };
  await client.session.upsert({
    where: { id: offlineSessionId(DEMO_SHOP) },
    create: { id: offlineSessionId(DEMO_SHOP), ...data },
    update: data,
  });
  return pair;
}

async function installNonExpiring() {
  const token = store.control.issueAccessToken(DEMO_SHOP);
  const data = {
    shop: DEMO_SHOP,
    state: "",
    isOnline: false,
    scope: "read_products",
    accessToken: token,
    expires: null,
    refreshToken: null,
    refreshTokenExpires: null,
  };
  await client.session.upsert({
    where: { id: offlineSessionId(DEMO_SHOP) },
    create: { id: offlineSessionId(DEMO_SHOP), ...data },
    update: data,
  });
  return token;
}

const stored = () => client.session.findUniqueOrThrow({ where: { id: offlineSessionId(DEMO_SHOP) } });
const refreshes = () => store.control.tokenRefreshes(DEMO_SHOP);
const shopName = (tokens: OfflineTokens) =>
  new AdminClient({
    shop: DEMO_SHOP,
    accessToken: offlineTokenSource(tokens, DEMO_SHOP),
    env: { SHOPIFY_LOCAL_STORE_URL: store.url },
    maxAttempts: 2,
  }).request(ShopInfoDocument, {});

describe("OfflineTokens", () => {
  it("uses a token with time left as it is", async () => {
    const pair = await installExpiring();
    const before = refreshes();
    expect(await processTokens().accessToken(DEMO_SHOP)).toBe(pair.access_token);
    expect(refreshes()).toEqual(before);
  });

  it("refreshes a token that expired a second ago once, and stores the new access and refresh tokens together", async () => {
    const pair = await installExpiring({ expiresInMs: -1000 });
    const before = refreshes();
    const tokens = processTokens();
    const { shop } = await shopName(tokens);
    expect(shop.myshopifyDomain).toBe(DEMO_SHOP);
    expect(refreshes().refreshed).toBe(before.refreshed + 1);
    const session = await stored();
    expect(session.accessToken).not.toBe(pair.access_token);
    expect(session.refreshToken).not.toBe(pair.refresh_token);
    expect(session.expires!.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    await shopName(tokens);
    expect(refreshes().refreshed).toBe(before.refreshed + 1);
  });

  it("five concurrent callers in separate processes cause exactly one refresh", async () => {
    await installExpiring({ expiresInMs: -1000 });
    const before = refreshes();
    const connections = Array.from({ length: 5 }, () => new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379"));
    try {
      const tokens = await Promise.all(connections.map((c) => processTokens(c).accessToken(DEMO_SHOP)));
      expect(new Set(tokens).size).toBe(1);
      expect(refreshes()).toEqual({ refreshed: before.refreshed + 1, refused: before.refused });
    } finally {
      for (const c of connections) c.disconnect();
    }
  });

  it("refreshes once after a 401 on a token the session still thought valid", async () => {
    await installExpiring();
    store.control.expireAccessTokens(DEMO_SHOP);
    const before = refreshes();
    expect((await shopName(processTokens())).shop.myshopifyDomain).toBe(DEMO_SHOP);
    expect(refreshes().refreshed).toBe(before.refreshed + 1);
  });

  it("renews once per request: a second 401 right after the refresh is an error, not another refresh", async () => {
    await installExpiring();
    store.control.injectFault({ kind: "status", status: 401 }, { operation: "ShopInfo", times: 2 });
    const before = refreshes();
    await expect(shopName(processTokens())).rejects.toMatchObject({ name: "AdminApiError", details: { status: 401 } });
    expect(refreshes().refreshed).toBe(before.refreshed + 1);
    expect(store.control.pendingFaults()).toEqual([]);
  });

  it("a refused refresh marks the session invalid and says to reconnect, once: later calls fail without asking Shopify", async () => {
    await installExpiring({ expiresInMs: -1000 });
    store.control.revokeTokens(DEMO_SHOP, { refreshOnly: true });
    const before = refreshes();
    const tokens = processTokens();
    const error = await tokens.accessToken(DEMO_SHOP).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReconnectRequiredError);
    expect((error as Error).message).toBe(RECONNECT_MESSAGE);
    expect(await stored()).toMatchObject({ accessToken: "", refreshToken: null });
    await expect(shopName(tokens)).rejects.toBeInstanceOf(ReconnectRequiredError);
    expect(refreshes()).toEqual({ refreshed: before.refreshed, refused: before.refused + 1 });
  });

  it("migrates a non-expiring token on first use, so the shop keeps working once non-expiring tokens are refused", async () => {
    const old = await installNonExpiring();
    const tokens = processTokens();
    expect((await shopName(tokens)).shop.myshopifyDomain).toBe(DEMO_SHOP);
    const session = await stored();
    expect(session.accessToken).not.toBe(old);
    expect(session.refreshToken).toMatch(/^shprt_/);
    expect(session.expires).not.toBeNull();
    store.control.configureTokens({ nonExpiring: "refused" });
    expect((await shopName(tokens)).shop.myshopifyDomain).toBe(DEMO_SHOP);
  });

  it("migrateOfflineTokens moves a shop that never opens the app and runs no job, once", async () => {
    const old = await installNonExpiring();
    const tokens = processTokens();
    expect(await migrateOfflineTokens(client, tokens)).toEqual({ migrated: [DEMO_SHOP], reconnect: [], failed: [] });
    const session = await stored();
    expect([session.accessToken === old, session.expires === null, session.refreshToken?.startsWith("shprt_")]).toEqual(
      [false, false, true],
    );
    expect(await migrateOfflineTokens(client, tokens)).toEqual({ migrated: [], reconnect: [], failed: [] });
    store.control.configureTokens({ nonExpiring: "refused" });
    expect((await shopName(tokens)).shop.myshopifyDomain).toBe(DEMO_SHOP);
  });

  it("migrateOfflineTokens after the switch names the shop that must reconnect", async () => {
    await installNonExpiring();
    store.control.configureTokens({ nonExpiring: "refused" });
    expect(await migrateOfflineTokens(client, processTokens())).toEqual({
      migrated: [],
      reconnect: [DEMO_SHOP],
      failed: [],
    });
  });

  it("a non-expiring token never migrated before the switch: reconnect", async () => {
    await installNonExpiring();
    store.control.configureTokens({ nonExpiring: "refused" });
    await expect(shopName(processTokens())).rejects.toBeInstanceOf(ReconnectRequiredError);
    expect((await stored()).accessToken).toBe("");
  });
});
