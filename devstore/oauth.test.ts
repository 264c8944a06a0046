import "@shopify/shopify-api/adapters/node";
import { ApiVersion, LogSeverity, shopifyApi } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "./seed";
import { startTestStore, TEST_API_KEY, TEST_API_SECRET, type TestStore } from "./test-store";
import { SHOPIFY_API_VERSION } from "../lib/shopify-admin/version";

let store: TestStore;
beforeAll(async () => {
  store = await startTestStore({ appUrl: "http://localhost:3000" });
});
afterAll(() => store.stop());

const shopify = shopifyApi({
  apiKey: TEST_API_KEY,
  apiSecretKey: TEST_API_SECRET,
  hostName: "localhost:3000",
  apiVersion: SHOPIFY_API_VERSION as ApiVersion,
  isEmbeddedApp: true,
  logger: { level: LogSeverity.Error },
});

describe("OAuth authorization-code grant", () => {
  it("redirects back with a code signed the way Shopify signs it, and exchanges the code once", async () => {
    const authorize = new URL(`${store.url}/admin/oauth/authorize`);
    authorize.search = new URLSearchParams({
      client_id: TEST_API_KEY,
      scope: "read_products",
      redirect_uri: "http://localhost:3000/auth/callback",
      state: "nonce-1",
      shop: DEMO_SHOP,
    }).toString();
    const res = await fetch(authorize, { redirect: "manual" });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get("location")!);
    expect(back.origin + back.pathname).toBe("http://localhost:3000/auth/callback");
    const query = Object.fromEntries(back.searchParams);
    expect(query).toMatchObject({ shop: DEMO_SHOP, state: "nonce-1" });
    expect(await shopify.utils.validateHmac(query)).toBe(true);

    const exchange = () =>
      fetch(`${store.url}/admin/oauth/access_token`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Forwarded-Host": DEMO_SHOP },
        body: JSON.stringify({ client_id: TEST_API_KEY, client_secret: TEST_API_SECRET, code: query.code }),
      });
    const first = await exchange();
    const token = (await first.json()) as { access_token: string; scope: string };
    expect(token.access_token).toMatch(/^shpat_/);
    expect((await store.graphql(`{ shop { name } }`, {}, { token: token.access_token })).status).toBe(200);
    expect((await exchange()).status).toBe(400);
  });

  it("will not redirect to another site", async () => {
    const res = await fetch(
      `${store.url}/admin/oauth/authorize?shop=${DEMO_SHOP}&client_id=${TEST_API_KEY}&redirect_uri=${encodeURIComponent("https://evil.example/cb")}`,
      { redirect: "manual" },
    );
    expect(res.status).toBe(400);
  });
});

describe("the local admin", () => {
  it("opens the app as the Shopify admin would: embedded, with shop, host and a valid id_token", async () => {
    const res = await fetch(`${store.url}/admin/apps/${TEST_API_KEY}?shop=${DEMO_SHOP}`, { redirect: "manual" });
    const target = new URL(res.headers.get("location")!);
    expect(target.origin + target.pathname).toBe("http://localhost:3000/app");
    expect(target.searchParams.get("embedded")).toBe("1");
    expect(shopify.utils.sanitizeHost(target.searchParams.get("host")!)).toBeTruthy();
    const claims = await shopify.session.decodeSessionToken(target.searchParams.get("id_token")!);
    expect(claims.dest).toBe(`https://${DEMO_SHOP}`);
    expect(await (await fetch(`${store.url}/admin`)).text()).toContain("Open SceneBooth in this shop");
  });
});
