import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse } from "graphql";
import type { Counter } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "../../devstore/seed";
import { startTestStore, type TestStore } from "../../devstore/test-store";
import { adminApiCost, adminApiWait } from "../metrics/process";
import { AdminClient, type AdminClientOptions } from "./client";
import { AdminApiError } from "./errors";
import { ProductAddMediaDocument, ProductsPageDocument, ProductWithMediaDocument, ShopInfoDocument } from "./generated";
import { ShopPacer } from "./pacing";
import { SHOPIFY_API_VERSION } from "./version";

let store: TestStore;
beforeAll(async () => {
  store = await startTestStore();
});
afterAll(() => store.stop());

function client(s: TestStore, options: Partial<AdminClientOptions> = {}) {
  return new AdminClient({
    shop: DEMO_SHOP,
    accessToken: s.token,
    env: { SHOPIFY_LOCAL_STORE_URL: s.url },
    backoffMs: 10,
    maxBackoffMs: 50,
    pacer: new ShopPacer(),
    ...options,
  });
}

/** The sum of a counter's series whose labels include `labels`. */
async function counted(counter: Counter, labels: Record<string, string>): Promise<number> {
  const { values } = await counter.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

async function error(p: Promise<unknown>): Promise<AdminApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AdminApiError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

describe("pacing by the cost bucket", () => {
  const burst = (c: AdminClient) =>
    Array.from({ length: 12 }, (_, i) =>
      c.request(ProductsPageDocument, { first: 5, mediaFirst: 3, query: i % 2 ? "status:active" : null }),
    );

  it("a burst costing several buckets is never THROTTLED when paced, and is when not", async () => {
    const small = await startTestStore({ bucket: { maximumAvailable: 100, restoreRate: 400 } });
    try {
      const unpaced = client(small, { pacing: false, maxAttempts: 1 });
      const first = await unpaced.requestWithCost(ProductsPageDocument, { first: 5, mediaFirst: 3 });
      expect(first.cost!.requestedQueryCost! * 12).toBeGreaterThan(5 * 100);

      const results = await Promise.allSettled(burst(unpaced));
      const refused = results
        .filter((r) => r.status === "rejected")
        .map((r) => (r as PromiseRejectedResult).reason as AdminApiError);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.message).toMatch(/throttled/);
      const throttledUnpaced = small.control.stats().throttled;
      expect(throttledUnpaced).toBe(refused.length);

      small.control.setAvailable(DEMO_SHOP, 100);
      const paced = client(small);
      const pages = await Promise.all(burst(paced));
      expect(pages.every((p) => p.products.nodes.length === 5)).toBe(true);
      expect(small.control.stats().throttled).toBe(throttledUnpaced);
    } finally {
      await small.stop();
    }
  });
});

describe("retries", () => {
  it("retries 429 and 502 and succeeds", async () => {
    store.control.injectFault({ kind: "status", status: 429, retryAfterSeconds: 0 });
    store.control.injectFault({ kind: "status", status: 502 });
    const result = await client(store).requestWithCost(ShopInfoDocument, {});
    expect(result.data.shop.myshopifyDomain).toBe(DEMO_SHOP);
    expect(result.attempts).toBe(3);
  });

  it("retries a query that timed out or whose connection dropped", async () => {
    store.control.injectFault({ kind: "delay", ms: 600 });
    store.control.injectFault({ kind: "drop" });
    const result = await client(store, { timeoutMs: 200 }).requestWithCost(ShopInfoDocument, {});
    expect(result.attempts).toBe(3);
  });

  it("retries THROTTLED after waiting for the points", async () => {
    // A slow refill (10 points/s), so that the empty bucket is still short when the request arrives on a loaded machine.
    const { restoreRate } = store.control.configureThrottle({});
    store.control.configureThrottle({ restoreRate: 10 });
    try {
      store.control.setAvailable(DEMO_SHOP, 0);
      const started = Date.now();
      const waited = await counted(adminApiWait, { reason: "throttled" });
      const spent = await counted(adminApiCost, {});
      const result = await client(store, { pacing: false }).requestWithCost(ShopInfoDocument, {});
      expect(result.attempts).toBe(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(50);
      // The wait and the points are what operators see in /metrics.
      expect((await counted(adminApiWait, { reason: "throttled" })) - waited).toBeGreaterThanOrEqual(0.05);
      expect((await counted(adminApiCost, {})) - spent).toBe(result.cost!.actualQueryCost);
    } finally {
      store.control.configureThrottle({ restoreRate });
    }
  });

  it("never sends a media-adding productUpdate twice", async () => {
    const c = client(store);
    const { products } = await c.request(ProductsPageDocument, { first: 1, mediaFirst: 1, query: "handle:vase" });
    const id = products.nodes[0]!.id;
    store.control.injectFault({ kind: "status", status: 502 });
    const err = await error(
      c.request(ProductAddMediaDocument, {
        product: { id },
        media: [{ originalSource: `${store.url}/nowhere.png`, mediaContentType: "IMAGE" }],
        added: 1,
      }),
    );
    expect(err.details).toMatchObject({ kind: "http", status: 502, attempts: 1, maybeExecuted: true });
    expect(err.message).toMatch(/not idempotent/);
    const after = await c.request(ProductWithMediaDocument, { id, mediaFirst: 50 });
    expect(after.product!.mediaCount!.count).toBe(6);
  });

  it("gives up with a clear error after the bound", async () => {
    store.control.injectFault({ kind: "status", status: 503 }, { times: 5 });
    const err = await error(client(store, { maxAttempts: 3 }).request(ShopInfoDocument, {}));
    expect(err.kind).toBe("gave-up");
    expect(err.message).toMatch(/ShopInfo gave up after 3 attempts: ShopInfo: HTTP 503/);
    store.control.clearFaults();
  });

  it("does not retry a refused token", async () => {
    const err = await error(client(store, { accessToken: "shpat_nope" }).request(ShopInfoDocument, {}));
    expect(err.details).toMatchObject({ kind: "http", status: 401, attempts: 1 });
  });
});

describe("API version warnings", () => {
  it("warns once when Shopify answers with another version than asked (the asked one was retired)", async () => {
    const warnings: string[] = [];
    const warn = (line: string) => void warnings.push(line);
    try {
      store.control.setSupportedApiVersions(["2026-01", "2026-04", "2026-07"]);
      const c = client(store, { warn });
      expect((await c.request(ShopInfoDocument, {})).shop.myshopifyDomain).toBe(DEMO_SHOP);
      await c.request(ShopInfoDocument, {});
      // Clients are made per request and per job: the warning is once per process (per sink), not per client.
      await client(store, { warn }).request(ProductsPageDocument, { first: 1, mediaFirst: 1 });
    } finally {
      store.control.setSupportedApiVersions(null);
    }
    expect(warnings).toEqual([
      `Admin API: asked for ${SHOPIFY_API_VERSION}, Shopify answered ShopInfo with 2026-01 (${SHOPIFY_API_VERSION} is outside its support window): move the app to a supported version (README, "Admin API version").`,
    ]);
  });

  it("warns when an operation uses a deprecated field, and says nothing for the app's own documents", async () => {
    const warnings: string[] = [];
    const c = client(store, { warn: (line) => warnings.push(line) });
    await c.request(ShopInfoDocument, {});
    await c.request(ProductsPageDocument, { first: 1, mediaFirst: 1 });
    expect(warnings).toEqual([]);
    const old = parse("query OldBulkPoll { currentBulkOperation { id } }") as TypedDocumentNode<
      { currentBulkOperation: { id: string } | null },
      Record<string, never>
    >;
    await c.request(old, {});
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Admin API: OldBulkPoll uses fields Shopify has deprecated in 2026-10 \(https:\/\/shopify\.dev\/api\/usage\/versioning#deprecation-practices\)/,
      ),
    ]);
  });
});

describe("pacer arithmetic", () => {
  it("waits (requested − available) / restoreRate", () => {
    let now = 0;
    const pacer = new ShopPacer(() => now);
    pacer.learn("q", {
      requestedQueryCost: 50,
      actualQueryCost: 50,
      throttleStatus: { maximumAvailable: 100, currentlyAvailable: 10, restoreRate: 20 },
    });
    expect(pacer.waitMsFor(50)).toBe(2000);
    now = 1000;
    expect(pacer.waitMsFor(50)).toBe(1000);
    expect(
      ShopPacer.throttledWaitMs({
        requestedQueryCost: 80,
        actualQueryCost: null,
        throttleStatus: { maximumAvailable: 100, currentlyAvailable: 20, restoreRate: 50 },
      }),
    ).toBe(1200);
  });
});
