// Offline tokens at the local store, as Shopify hands them out: expiring tokens and their rotating
// refresh tokens, 401 once expired or revoked, the migration exchange, and the 2027-01-01 switch.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, OTHER_SHOP } from "./seed";
import { startTestStore, TEST_API_KEY, TEST_API_SECRET, type TestStore } from "./test-store";

let store: TestStore;
beforeAll(async () => {
  store = await startTestStore();
});
afterAll(() => store.stop());
afterEach(() => {
  store.control.configureTokens({ expiringTtlSeconds: 3600, nonExpiring: "accepted" });
});

const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token";

async function tokenEndpoint(body: Record<string, unknown>, shop = DEMO_SHOP): Promise<{ status: number; body: any }> {
  const res = await fetch(`${store.url}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Forwarded-Host": shop },
    body: JSON.stringify({ client_id: TEST_API_KEY, client_secret: TEST_API_SECRET, ...body }),
  });
  return { status: res.status, body: await res.json() };
}

/** An expiring pair from the token exchange, as the app gets it when the merchant opens it. */
async function expiringPair(shop = DEMO_SHOP) {
  const subject = await store.control.mintSessionToken(shop);
  const { status, body } = await tokenEndpoint(
    {
      grant_type: EXCHANGE,
      subject_token: subject,
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: OFFLINE,
      expiring: "1",
    },
    shop,
  );
  expect(status).toBe(200);
  return body as { access_token: string; refresh_token: string; expires_in: number; refresh_token_expires_in: number };
}

const works = async (token: string, shop = DEMO_SHOP) =>
  (await store.graphql("{ shop { name } }", {}, { token, shop })).status;

describe("expiring offline tokens", () => {
  it("last an hour by default, a configurable time in tests, and get Shopify's 401 once expired", async () => {
    expect((await expiringPair()).expires_in).toBe(3600);
    store.control.configureTokens({ expiringTtlSeconds: 1 });
    const short = await expiringPair();
    expect(short.expires_in).toBe(1);
    expect(await works(short.access_token)).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await store.graphql("{ shop { name } }", {}, { token: short.access_token });
    expect(expired.status).toBe(401);
    expect(expired.body.errors).toMatch(/Invalid API key or access token/);
  });

  it("expireAccessTokens ends them at once", async () => {
    const pair = await expiringPair(OTHER_SHOP);
    expect(store.control.expireAccessTokens(OTHER_SHOP)).toBeGreaterThan(0);
    expect(await works(pair.access_token, OTHER_SHOP)).toBe(401);
  });

  it("the refresh grant rotates the refresh token: the old one is refused afterwards, and both outcomes are counted", async () => {
    const before = store.control.tokenRefreshes(DEMO_SHOP);
    const pair = await expiringPair();
    const refreshed = await tokenEndpoint({ grant_type: "refresh_token", refresh_token: pair.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(pair.refresh_token);
    expect(refreshed.body.access_token).not.toBe(pair.access_token);
    expect(await works(refreshed.body.access_token)).toBe(200);
    const again = await tokenEndpoint({ grant_type: "refresh_token", refresh_token: pair.refresh_token });
    expect(again).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect(store.control.tokenRefreshes(DEMO_SHOP)).toEqual({
      refreshed: before.refreshed + 1,
      refused: before.refused + 1,
    });
  });

  it("a token can be revoked without uninstalling: 401, refresh refused, no app/uninstalled, and a new exchange works", async () => {
    const pair = await expiringPair();
    const webhooksBefore = store.control.webhookEvents().length;
    store.control.revokeTokens(DEMO_SHOP);
    expect(await works(pair.access_token)).toBe(401);
    expect((await tokenEndpoint({ grant_type: "refresh_token", refresh_token: pair.refresh_token })).status).toBe(400);
    expect(store.control.webhookEvents().length).toBe(webhooksBefore);
    expect(await works((await expiringPair()).access_token)).toBe(200);
  });

  it("revoking only the refresh tokens leaves the access token working until it expires", async () => {
    const pair = await expiringPair();
    store.control.revokeTokens(DEMO_SHOP, { refreshOnly: true });
    expect(await works(pair.access_token)).toBe(200);
    expect((await tokenEndpoint({ grant_type: "refresh_token", refresh_token: pair.refresh_token })).body.error).toBe(
      "invalid_grant",
    );
  });
});

describe("non-expiring offline tokens", () => {
  it("migrate to an expiring pair by token exchange; the old token stops working and a retry returns the same pair", async () => {
    const old = store.control.issueAccessToken(DEMO_SHOP);
    const migration = {
      grant_type: EXCHANGE,
      subject_token: old,
      subject_token_type: OFFLINE,
      requested_token_type: OFFLINE,
      expiring: "1",
    };
    const migrated = await tokenEndpoint(migration);
    expect(migrated.status).toBe(200);
    expect(migrated.body).toMatchObject({ expires_in: 3600, refresh_token: expect.stringMatching(/^shprt_/) });
    expect(await works(old)).toBe(401);
    expect(await works(migrated.body.access_token)).toBe(200);
    const retried = await tokenEndpoint(migration);
    expect(retried.body).toMatchObject({
      access_token: migrated.body.access_token,
      refresh_token: migrated.body.refresh_token,
    });
    // Once the pair is refreshed, the original token is spent for good.
    expect(
      (await tokenEndpoint({ grant_type: "refresh_token", refresh_token: migrated.body.refresh_token })).status,
    ).toBe(200);
    expect(await tokenEndpoint(migration)).toMatchObject({ status: 400, body: { error: "invalid_subject_token" } });
  });

  it('switched to "refused" (2027-01-01): Admin API calls get 401 and the migration is refused, while expiring tokens keep working', async () => {
    const old = store.control.issueAccessToken(DEMO_SHOP);
    const pair = await expiringPair();
    store.control.configureTokens({ nonExpiring: "refused" });
    expect(await works(old)).toBe(401);
    expect(await works(pair.access_token)).toBe(200);
    const migrated = await tokenEndpoint({
      grant_type: EXCHANGE,
      subject_token: old,
      subject_token_type: OFFLINE,
      requested_token_type: OFFLINE,
      expiring: "1",
    });
    expect(migrated).toMatchObject({ status: 400, body: { error: "invalid_subject_token" } });
  });

  it("the switches answer over HTTP too", async () => {
    const post = (path: string, body: object) =>
      fetch(`${store.url}/__devstore${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    expect(await (await post("/tokens", { expiringTtlSeconds: 60, nonExpiring: "refused" })).json()).toEqual({
      expiringTtlSeconds: 60,
      nonExpiring: "refused",
    });
    expect((await post("/tokens", { nonExpiring: "sometimes" })).status).toBe(400);
    expect((await post("/tokens/revoke", { shop: OTHER_SHOP })).status).toBe(200);
    const counts = await (await fetch(`${store.url}/__devstore/tokens/refreshes?shop=${DEMO_SHOP}`)).json();
    expect(counts).toEqual(store.control.tokenRefreshes(DEMO_SHOP));
  });
});
