import "@shopify/shopify-app-remix/adapters/node";
import { ApiVersion, LogSeverity, RequestedTokenType, shopifyApi } from "@shopify/shopify-api";
import { AppDistribution, shopifyApp } from "@shopify/shopify-app-remix/server";
import type { Session } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, OTHER_SHOP } from "../../devstore/seed";
import { startTestStore, TEST_API_KEY, TEST_API_SECRET, type TestStore } from "../../devstore/test-store";
import { AdminClient } from "./client";
import { ShopInfoDocument } from "./generated";
import { installLocalStoreFetch, localStoreFetch, uninstallLocalStoreFetch } from "./local-store-fetch";
import { SHOPIFY_API_VERSION } from "./version";

let store: TestStore;
beforeAll(async () => {
  store = await startTestStore();
  expect(installLocalStoreFetch({ SHOPIFY_LOCAL_STORE_URL: store.url })).toBe(true);
});
afterAll(async () => {
  uninstallLocalStoreFetch();
  await store.stop();
});

const api = () =>
  shopifyApi({
    apiKey: TEST_API_KEY,
    apiSecretKey: TEST_API_SECRET,
    hostName: "localhost:3000",
    hostScheme: "http",
    apiVersion: SHOPIFY_API_VERSION as ApiVersion,
    isEmbeddedApp: true,
    scopes: ["read_products", "write_products", "write_files"],
    logger: { level: LogSeverity.Error },
  });

describe("@shopify/shopify-api's own token exchange, through the local-store transport", () => {
  it("turns an App Bridge-style session token into an offline session the stand-in accepts", async () => {
    const shopify = api();
    const sessionToken = await store.control.mintSessionToken(DEMO_SHOP);
    const claims = await shopify.session.decodeSessionToken(sessionToken);
    expect(claims).toMatchObject({
      iss: `https://${DEMO_SHOP}/admin`,
      dest: `https://${DEMO_SHOP}`,
      aud: TEST_API_KEY,
      sub: "1001",
    });
    expect(claims).toHaveProperty("jti");
    expect(claims).toHaveProperty("sid");

    const { session } = await shopify.auth.tokenExchange({
      shop: DEMO_SHOP,
      sessionToken,
      requestedTokenType: RequestedTokenType.OfflineAccessToken,
    });
    expect(session).toMatchObject({
      id: `offline_${DEMO_SHOP}`,
      shop: DEMO_SHOP,
      isOnline: false,
      // The local store grants the app's optional scopes with the install (devstore/auth.ts).
      scope: "read_products,write_products,write_files,write_translations,read_locales",
    });

    const viaLibrary = await new shopify.clients.Graphql({ session }).request(`{ shop { myshopifyDomain } }`);
    expect(viaLibrary.data).toEqual({ shop: { myshopifyDomain: DEMO_SHOP } });
    const viaAppClient = await new AdminClient({
      shop: DEMO_SHOP,
      accessToken: session.accessToken!,
      env: { SHOPIFY_LOCAL_STORE_URL: store.url },
    }).request(ShopInfoDocument, {});
    expect(viaAppClient.shop.myshopifyDomain).toBe(DEMO_SHOP);
  });

  it("gives online sessions for the staff member in `sub`, and refreshes expiring offline tokens", async () => {
    const shopify = api();
    const sessionToken = await store.control.mintSessionToken(DEMO_SHOP, { userId: 4242 });
    const { session: online } = await shopify.auth.tokenExchange({
      shop: DEMO_SHOP,
      sessionToken,
      requestedTokenType: RequestedTokenType.OnlineAccessToken,
    });
    expect(online.isOnline).toBe(true);
    expect(online.onlineAccessInfo?.associated_user.id).toBe(4242);

    const { session: expiring } = await shopify.auth.tokenExchange({
      shop: DEMO_SHOP,
      sessionToken,
      requestedTokenType: RequestedTokenType.OfflineAccessToken,
      expiring: true,
    });
    expect(expiring.refreshToken).toMatch(/^shprt_/);
    const { session: refreshed } = await shopify.auth.refreshToken({
      shop: DEMO_SHOP,
      refreshToken: expiring.refreshToken!,
    });
    expect(refreshed.accessToken).not.toBe(expiring.accessToken);
  });

  it("is refused by the stand-in for a token signed with another secret or for another shop", async () => {
    const post = (body: object) =>
      localStoreFetch(fetch, store.url)(`https://${DEMO_SHOP}/admin/oauth/access_token`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const base = {
      client_id: TEST_API_KEY,
      client_secret: TEST_API_SECRET,
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
    };
    const forged = await post({ ...base, subject_token: await shopifyLikeToken("wrong-secret") });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: "invalid_subject_token" });
    const elsewhere = await post({ ...base, subject_token: await store.control.mintSessionToken(OTHER_SHOP) });
    expect(elsewhere.status).toBe(400);
    const wrongSecret = await post({
      ...base,
      client_secret: "nope",
      subject_token: await store.control.mintSessionToken(DEMO_SHOP),
    });
    expect(wrongSecret.status).toBe(401);
  });
});

async function shopifyLikeToken(secret: string): Promise<string> {
  const { SignJWT } = await import("jose");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ dest: `https://${DEMO_SHOP}`, sid: "x" })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(`https://${DEMO_SHOP}/admin`)
    .setAudience(TEST_API_KEY)
    .setSubject("1")
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 60)
    .setJti("j")
    .sign(new TextEncoder().encode(secret));
}

describe("@shopify/shopify-app-remix pointed at the stand-in", () => {
  it("authenticate.admin exchanges the session token, stores a real offline session and queries the shop", async () => {
    const sessions = new Map<string, Session>();
    const app = shopifyApp({
      apiKey: TEST_API_KEY,
      apiSecretKey: TEST_API_SECRET,
      appUrl: "http://localhost:3000",
      apiVersion: SHOPIFY_API_VERSION as ApiVersion,
      scopes: ["read_products", "write_products", "write_files"],
      distribution: AppDistribution.AppStore,
      future: { unstable_newEmbeddedAuthStrategy: true },
      logger: { level: LogSeverity.Error },
      sessionStorage: {
        storeSession: async (s) => (sessions.set(s.id, s), true),
        loadSession: async (id) => sessions.get(id),
        deleteSession: async (id) => sessions.delete(id),
        deleteSessions: async (ids) => (ids.forEach((id) => sessions.delete(id)), true),
        findSessionsByShop: async (shop) => [...sessions.values()].filter((s) => s.shop === shop),
      },
    });
    const token = await store.control.mintSessionToken(DEMO_SHOP);
    const request = new Request(`http://localhost:3000/app/products?shop=${DEMO_SHOP}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const { admin, session } = await app.authenticate.admin(request);
    expect(session.shop).toBe(DEMO_SHOP);
    expect(sessions.get(`offline_${DEMO_SHOP}`)?.accessToken).toMatch(/^shpat_/);
    const response = await admin.graphql(`#graphql
      query { products(first: 2, query: "handle:teapot") { nodes { title } } }`);
    expect(await response.json()).toMatchObject({ data: { products: { nodes: [{ title: "Teapot" }] } } });
  });
});
