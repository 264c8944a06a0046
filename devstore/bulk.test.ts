import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminClient } from "../lib/shopify-admin/client";
import { BULK_PRODUCTS_QUERY, runBulkQuery } from "../lib/shopify-admin/bulk";
import { DEMO_SHOP } from "./seed";
import { startTestStore, type TestStore } from "./test-store";

let store: TestStore;
beforeAll(async () => {
  store = await startTestStore();
});
afterAll(() => store.stop());

describe("bulk operations", () => {
  it("runs a bulk query to COMPLETED and serves Shopify-style JSONL with __parentId", async () => {
    const client = new AdminClient({
      shop: DEMO_SHOP,
      accessToken: store.token,
      env: { SHOPIFY_LOCAL_STORE_URL: store.url },
    });
    const op = await runBulkQuery(client, BULK_PRODUCTS_QUERY, { pollIntervalMs: 10 });
    expect(op.status).toBe("COMPLETED");
    const lines = (await (await fetch(op.url!)).text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const products = lines.filter((l) => !("__parentId" in l));
    const media = lines.filter((l) => "__parentId" in l);
    expect(products).toHaveLength(21);
    expect(Number(op.rootObjectCount)).toBe(21);
    expect(Number(op.objectCount)).toBe(lines.length);
    const teapot = products.find((p) => p.handle === "teapot")!;
    expect(media.filter((m) => m.__parentId === teapot.id)).toHaveLength(5);
    expect(media.find((m) => m.__parentId === teapot.id)).toMatchObject({
      status: "READY",
      image: { width: expect.any(Number) },
    });
  });

  it("refuses a bulk query that is not valid against the schema", async () => {
    const { body } = await store.graphql(
      `mutation { bulkOperationRunQuery(query: "{ products { edges { node { idd } } } }") { bulkOperation { id } userErrors { message code } } }`,
    );
    expect(body.data.bulkOperationRunQuery.userErrors[0]).toMatchObject({
      code: "INVALID",
      message: expect.stringContaining("idd"),
    });
  });
});
