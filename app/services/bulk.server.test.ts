// The bulk action ("Generate scenes" from Shopify's product list) names a product's SceneBooth state
// with the same words as the products page and the studio.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "../../devstore/seed";
import { startTestStore, type TestStore } from "../../devstore/test-store";
import { prepareDatabase } from "../../scripts/prepare-database.mjs";
import { createPrismaClient, type PrismaClient } from "../../lib/db";
import { SUBJECT_STATES } from "../../lib/db/enums";
import { identifierToken } from "../../lib/prompts";
import { AdminClient, ProductsPageDocument } from "../../lib/shopify-admin";
import { freshSqliteUrl } from "../../tests/harness/database";
import { subjectStateLabel } from "../components/labels";
import { previewSelection, type BulkContext } from "./bulk.server";

let store: TestStore;
let client: PrismaClient;
let database: { url: string; remove: () => void };
let ctx: BulkContext;

beforeAll(async () => {
  store = await startTestStore();
  database = freshSqliteUrl();
  await prepareDatabase({ databaseUrl: database.url, log: () => {} });
  client = createPrismaClient(database.url);
  const admin = new AdminClient({
    shop: DEMO_SHOP,
    accessToken: store.token,
    env: { SHOPIFY_LOCAL_STORE_URL: store.url },
  });
  // A preview enqueues nothing: it gets no queues.
  ctx = { client, producers: undefined as never, admin, shop: DEMO_SHOP, plan: async () => null };
});
afterAll(async () => {
  await client?.$disconnect();
  database?.remove();
  await store?.stop();
});

describe("bulk preview", () => {
  it("labels every subject state as the products page and the studio do", async () => {
    const { products } = await ctx.admin.request(ProductsPageDocument, { first: 1, mediaFirst: 1 });
    const product = products.nodes[0]!;
    const subject = await client.subject.create({
      data: {
        shop: DEMO_SHOP,
        productId: product.id,
        productTitle: product.title,
        classNoun: "teapot",
        identifierToken: identifierToken("teapot"),
      },
    });
    for (const state of SUBJECT_STATES) {
      await client.subject.update({ where: { id: subject.id }, data: { state } });
      const preview = await previewSelection(ctx, [product.id]);
      expect(preview.products[0]!.label, state).toBe(subjectStateLabel(state).label);
    }
  });
});
