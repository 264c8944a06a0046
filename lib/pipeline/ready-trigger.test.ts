// The Flow trigger against the local store stand-in, which checks flowTriggerReceive on the pinned
// Admin schema and the payload against the trigger's fields in extensions/scene-images-ready.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStore, TEST_API_KEY, type TestStore } from "../../devstore/test-store";
import { DEMO_SHOP } from "../../devstore/seed";
import { migratedSqlite, type MigratedSqlite } from "../../tests/harness/database";
import type { PrismaClient } from "../db";
import { AdminClient } from "../shopify-admin/client";
import { FlowTriggerError, READY_TRIGGER_HANDLE, sendReadyTrigger } from "./ready-trigger";

let store: TestStore;
let admin: AdminClient;
let client: PrismaClient;
let database: MigratedSqlite;

beforeAll(async () => {
  store = await startTestStore();
  admin = new AdminClient({ shop: DEMO_SHOP, accessToken: store.token, env: { SHOPIFY_LOCAL_STORE_URL: store.url } });
  database = await migratedSqlite();
  ({ client } = database);
});

afterAll(async () => {
  await database?.close();
  await store?.stop();
});

async function finishedRequest(productId: string, status = "succeeded") {
  const subject = await client.subject.upsert({
    where: { shop_productId: { shop: DEMO_SHOP, productId } },
    create: { shop: DEMO_SHOP, productId, productTitle: "P", classNoun: "vase", identifierToken: "<myvase>" },
    update: {},
  });
  const generation = await client.generation.create({
    data: { shop: DEMO_SHOP, subjectId: subject.id, scenes: "[]", imagesPerScene: 2, status },
  });
  for (const [i, selected] of [true, false, true].entries()) {
    await client.candidate.create({
      data: {
        shop: DEMO_SHOP,
        generationId: generation.id,
        subjectId: subject.id,
        sceneId: "g7",
        sceneKind: "general",
        prompt: "a vase <myvase> on the beach",
        seed: i,
        imageBlobKey: `k${i}`,
        selected,
      },
    });
  }
  return generation;
}

describe("the 'Scene images ready for review' Flow trigger", () => {
  it("is sent once per finished request, with the product, the counts and the review link, however often it is retried", async () => {
    const productGid = store.control.createProduct(DEMO_SHOP, { title: "Flow vase" }).id;
    const productId = Number(productGid.split("/").pop());
    const generation = await finishedRequest(productGid);

    expect(await sendReadyTrigger(client, admin, DEMO_SHOP, generation.id, TEST_API_KEY)).toBe(true);
    expect(await sendReadyTrigger(client, admin, DEMO_SHOP, generation.id, TEST_API_KEY)).toBe(false);

    const sent = store.control.flowTriggers(DEMO_SHOP).filter((t) => t.payload["Request ID"] === generation.id);
    expect(sent).toEqual([
      expect.objectContaining({
        handle: READY_TRIGGER_HANDLE,
        payload: {
          product_id: productId,
          "Images to review": 2,
          "Images made": 3,
          "Review URL": `https://${DEMO_SHOP}/admin/apps/${TEST_API_KEY}/app/products/${productId}`,
          "Request ID": generation.id,
        },
      }),
    ]);
  });

  it("is not sent for a request that did not finish", async () => {
    const generation = await finishedRequest(
      store.control.createProduct(DEMO_SHOP, { title: "Cancelled vase" }).id,
      "cancelled",
    );
    expect(await sendReadyTrigger(client, admin, DEMO_SHOP, generation.id, TEST_API_KEY)).toBe(false);
    expect(store.control.flowTriggers(DEMO_SHOP).some((t) => t.payload["Request ID"] === generation.id)).toBe(false);
  });

  it("gives its claim back when Flow refuses it, so the stage's retry sends it", async () => {
    // A product the shop does not have: Flow refuses the reference.
    const generation = await finishedRequest("gid://shopify/Product/999999999");
    await expect(sendReadyTrigger(client, admin, DEMO_SHOP, generation.id, TEST_API_KEY)).rejects.toThrow(
      FlowTriggerError,
    );
    expect((await client.generation.findUniqueOrThrow({ where: { id: generation.id } })).readyTriggerAt).toBeNull();
    expect(store.control.flowTriggers(DEMO_SHOP).some((t) => t.payload["Request ID"] === generation.id)).toBe(false);
  });
});
