// The local store's media reorder job, languages and translations, and access scopes, as Shopify
// documents them.
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "./seed";
import { startTestStore, type TestStore } from "./test-store";

let store: TestStore;
let productId: string;
let media: string[];

beforeAll(async () => {
  store = await startTestStore();
  productId = store.control.createProduct(DEMO_SHOP, { title: "Canvas Backpack", productType: "Backpack" }).id;
  const bytes = await sharp({ create: { width: 32, height: 32, channels: 3, background: "#777" } })
    .png()
    .toBuffer();
  media = [];
  for (const filename of ["a.png", "b.png", "c.png"])
    media.push(
      (await store.control.addImageFile(DEMO_SHOP, productId, { filename, bytes, processing: "listed-ready" })).mediaId,
    );
});
afterAll(() => store.stop());

const order = () => store.control.productMedia(DEMO_SHOP, productId).map((m) => m.id);

describe("productReorderMedia", () => {
  it("answers with a Job; the new order shows once the job is done", async () => {
    store.control.setMediaProcessingStepMs(400);
    const { body } = await store.graphql(
      `mutation($id: ID!, $moves: [MoveInput!]!) { productReorderMedia(id: $id, moves: $moves) { job { id done } mediaUserErrors { code } } }`,
      { id: productId, moves: [{ id: media[2], newPosition: "0" }] },
    );
    const job = body.data.productReorderMedia.job;
    expect(job.done).toBe(false);
    expect(order()).toEqual(media);
    store.control.setMediaProcessingStepMs(20);
    await new Promise((r) => setTimeout(r, 450));
    const polled = await store.graphql(`query($id: ID!) { job(id: $id) { id done } }`, { id: job.id });
    expect(polled.body.data.job).toEqual({ id: job.id, done: true });
    expect(order()).toEqual([media[2], media[0], media[1]]);
  });

  it("refuses media that is not on the product", async () => {
    const { body } = await store.graphql(
      `mutation($id: ID!, $moves: [MoveInput!]!) { productReorderMedia(id: $id, moves: $moves) { job { id } mediaUserErrors { field code } } }`,
      { id: productId, moves: [{ id: "gid://shopify/MediaImage/1", newPosition: "0" }] },
    );
    expect(body.data.productReorderMedia).toEqual({
      job: null,
      mediaUserErrors: [{ field: ["moves", "0", "id"], code: "MEDIA_DOES_NOT_EXIST_ON_PRODUCT" }],
    });
  });
});

describe("translations", () => {
  const register = (translations: Array<Record<string, string>>) =>
    store
      .graphql(
        `mutation($id: ID!, $t: [TranslationInput!]!) { translationsRegister(resourceId: $id, translations: $t) { translations { locale value } userErrors { field code } } }`,
        { id: productId, t: translations },
      )
      .then((r) => r.body.data.translationsRegister);

  it("checks the key, the shop's locales and the digest of the translated content", async () => {
    store.control.setLocales(DEMO_SHOP, [
      { locale: "en", name: "English", primary: true, published: true },
      { locale: "de", name: "German", primary: false, published: true },
    ]);
    const { body } = await store.graphql(
      `query($id: ID!) { shopLocales(published: true) { locale primary } translatableResource(resourceId: $id) { translatableContent { key digest } } }`,
      { id: productId },
    );
    expect(body.data.shopLocales).toEqual([
      { locale: "en", primary: true },
      { locale: "de", primary: false },
    ]);
    const digest = body.data.translatableResource.translatableContent.find((c: { key: string }) => c.key === "title")
      .digest as string;
    expect(
      await register([
        { key: "title", locale: "fr", value: "Sac", translatableContentDigest: digest },
        { key: "colour", locale: "de", value: "Rot", translatableContentDigest: digest },
        { key: "title", locale: "de", value: "Rucksack", translatableContentDigest: "stale" },
      ]),
    ).toEqual({
      translations: null,
      userErrors: [
        { field: ["translations", "0", "locale"], code: "INVALID_LOCALE_FOR_SHOP" },
        { field: ["translations", "1", "key"], code: "INVALID_KEY_FOR_MODEL" },
        { field: ["translations", "2", "translatableContentDigest"], code: "INVALID_TRANSLATABLE_CONTENT" },
      ],
    });
    expect(
      await register([{ key: "title", locale: "de", value: "Canvas-Rucksack", translatableContentDigest: digest }]),
    ).toEqual({ translations: [{ locale: "de", value: "Canvas-Rucksack" }], userErrors: [] });
    expect(store.control.translationsOf(DEMO_SHOP, productId)).toEqual([
      { locale: "de", key: "title", value: "Canvas-Rucksack" },
    ]);
  });

  it("a token without the translation scopes gets ACCESS_DENIED; the app's scopes are reported", async () => {
    const narrow = await startTestStore({ optionalScopes: [] });
    try {
      const denied = await narrow.graphql(`{ shopLocales { locale } }`);
      expect(denied.body.errors[0].extensions.code).toBe("ACCESS_DENIED");
      const scopes = await narrow.graphql(
        `{ app { requestedAccessScopes { handle } optionalAccessScopes { handle } installation { accessScopes { handle } } } }`,
      );
      expect(scopes.body.data.app.optionalAccessScopes).toEqual([]);
    } finally {
      await narrow.stop();
    }
    const { body } = await store.graphql(
      `{ app { optionalAccessScopes { handle } installation { accessScopes { handle } } } }`,
    );
    expect(body.data.app.optionalAccessScopes.map((s: { handle: string }) => s.handle)).toEqual([
      "write_translations",
      "read_locales",
    ]);
    expect(body.data.app.installation.accessScopes.map((s: { handle: string }) => s.handle)).toContain(
      "write_translations",
    );
  });
});
