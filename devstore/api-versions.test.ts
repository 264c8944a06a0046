import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHOPIFY_API_VERSION } from "../lib/shopify-admin/version";
import { DEPRECATION_REASON, quarterlyWindow, serveVersion } from "./api-versions";
import { DEMO_SHOP } from "./seed";
import { startTestStore, type TestStore } from "./test-store";

describe("the supported window", () => {
  it("is the four quarterly versions up to the app's", () => {
    expect(quarterlyWindow()).toEqual(["2026-01", "2026-04", "2026-07", SHOPIFY_API_VERSION]);
    expect(quarterlyWindow("2027-01")).toEqual(["2026-04", "2026-07", "2026-10", "2027-01"]);
    expect(() => quarterlyWindow("2026-05")).toThrow(/not a stable Admin API version/);
  });

  it("serves a supported version or unstable as itself, any other version with the oldest supported one, and no version at all with 404", () => {
    const window = quarterlyWindow();
    expect(serveVersion("2026-10", window)).toEqual({ requested: "2026-10", served: "2026-10", fellBack: false });
    expect(serveVersion("2026-04", window)).toEqual({ requested: "2026-04", served: "2026-04", fellBack: false });
    expect(serveVersion("unstable", window)).toEqual({ requested: "unstable", served: "unstable", fellBack: false });
    expect(serveVersion("2025-01", window)).toEqual({ requested: "2025-01", served: "2026-01", fellBack: true });
    expect(serveVersion("2025-10", window)).toEqual({ requested: "2025-10", served: "2026-01", fellBack: true });
    // The release candidate has no schema here: it falls back too (documented in api-versions.ts).
    expect(serveVersion("2027-01", window)).toEqual({ requested: "2027-01", served: "2026-01", fellBack: true });
    expect(serveVersion("latest", window)).toBeNull();
    expect(serveVersion("2026-10.json", window)).toBeNull();
  });
});

describe("Admin API requests by version, over HTTP", () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await startTestStore();
  });
  afterAll(() => store.stop());

  async function post(version: string, query: string) {
    const res = await fetch(`${store.url}/admin/api/${version}/graphql.json`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Shopify-Access-Token": store.token,
        "X-Forwarded-Host": DEMO_SHOP,
      },
      body: JSON.stringify({ query }),
    });
    const text = await res.text();
    return {
      status: res.status,
      served: res.headers.get("x-shopify-api-version"),
      deprecated: res.headers.get("x-shopify-api-deprecated-reason"),
      body: JSON.parse(text),
    };
  }
  // giftCardSettings is on Product in 2026-10 and not in 2026-01: which schema answered shows in the validation.
  const NEW_IN_2026_10 = `{ product(id: "gid://shopify/Product/999999") { id giftCardSettings { __typename } } }`;

  it("answers the app's version as itself and says so", async () => {
    const r = await post(SHOPIFY_API_VERSION, "{ shop { myshopifyDomain } }");
    expect(r).toMatchObject({
      status: 200,
      served: SHOPIFY_API_VERSION,
      deprecated: null,
      body: { data: { shop: { myshopifyDomain: DEMO_SHOP } } },
    });
    const current = await post(SHOPIFY_API_VERSION, NEW_IN_2026_10);
    expect(current.body.errors).toBeUndefined();
    expect(current.body.data).toEqual({ product: null });
  });

  it("answers a retired version with the oldest supported one, with that version's schema, as the header says", async () => {
    const before = store.control.stats();
    const r = await post("2025-01", "{ shop { myshopifyDomain } }");
    expect(store.control.stats().versionFallbacks).toBe(before.versionFallbacks + 1);
    expect(store.control.stats().requestedApiVersions["2025-01"]).toBe(
      (before.requestedApiVersions["2025-01"] ?? 0) + 1,
    );
    expect(r).toMatchObject({
      status: 200,
      served: "2026-01",
      body: { data: { shop: { myshopifyDomain: DEMO_SHOP } } },
    });
    const old = await post("2025-01", NEW_IN_2026_10);
    expect(old.served).toBe("2026-01");
    expect(old.body.errors[0]).toMatchObject({
      message: "Field 'giftCardSettings' doesn't exist on type 'Product'",
      extensions: { code: "undefinedField" },
    });
  });

  it("answers a path segment that is no version at all with 404", async () => {
    const r = await post("latest", "{ shop { id } }");
    expect(r.status).toBe(404);
  });

  it("flags a request that uses a deprecated field with X-Shopify-API-Deprecated-Reason", async () => {
    const r = await post(SHOPIFY_API_VERSION, "{ currentBulkOperation { id } }");
    expect(r).toMatchObject({
      status: 200,
      deprecated: DEPRECATION_REASON,
      body: { data: { currentBulkOperation: null } },
    });
    expect((await post(SHOPIFY_API_VERSION, "{ bulkOperations(first: 1) { nodes { id } } }")).deprecated).toBeNull();
  });

  it("can retire the app's version (control), then serves it with the oldest one left", async () => {
    try {
      expect(store.control.setSupportedApiVersions(["2026-07", "2026-04"])).toEqual(["2026-04", "2026-07"]);
      expect((await post(SHOPIFY_API_VERSION, "{ shop { id } }")).served).toBe("2026-04");
      expect(() => store.control.setSupportedApiVersions(["2026-05"])).toThrow(/not a stable Admin API version/);
      expect(() => store.control.setSupportedApiVersions(["2024-01"])).toThrow(
        /No Admin schema for API version 2024-01/,
      );
    } finally {
      store.control.setSupportedApiVersions(null);
    }
    expect((await post(SHOPIFY_API_VERSION, "{ shop { id } }")).served).toBe(SHOPIFY_API_VERSION);
  });
});
