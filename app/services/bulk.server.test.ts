// The bulk action ("Generate scenes" from Shopify's product list) names a product's SceneBooth state
// with the same words as the products page and the studio.
import sharp from "sharp";
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
import { DEFAULT_SCENE_IDS } from "../../lib/scenes";
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

  it("counts each product's own scenes: the default scenes that do not suit a product are not in its estimate", async () => {
    const { products } = await ctx.admin.request(ProductsPageDocument, {
      first: 5,
      query: "title:Teapot",
      mediaFirst: 1,
    });
    const teapot = products.nodes.find((p) => p.title === "Teapot")!;
    const chair = store.control.createProduct(DEMO_SHOP, { title: "Oak dining chair", productType: "Chair" });
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#808080" } })
      .png()
      .toBuffer();
    await store.control.addImageFile(DEMO_SHOP, chair.id, {
      filename: "chair.png",
      bytes: png,
      processing: "listed-ready",
    });

    const preview = await previewSelection(ctx, [teapot.id, chair.id]);
    // A chair does not stand on a wooden table: the two wood-table scenes of the default set are left out.
    expect(DEFAULT_SCENE_IDS.filter((id) => id.startsWith("wood-table"))).toHaveLength(2);
    const perScene = preview.imagesPerScene;
    expect(preview.products.map((p) => [p.title, p.scenes, p.images])).toEqual([
      ["Teapot", DEFAULT_SCENE_IDS.length, DEFAULT_SCENE_IDS.length * perScene],
      ["Oak dining chair", DEFAULT_SCENE_IDS.length - 2, (DEFAULT_SCENE_IDS.length - 2) * perScene],
    ]);
    expect(preview.estimate.images).toBe((2 * DEFAULT_SCENE_IDS.length - 2) * perScene);
    expect(preview.counts.noSuitableScene).toBe(0);
  });
});
