// After publishing, against the local store and SQLite: remove, make featured, publish again, and
// alt text in the shop's other languages.
import { randomUUID } from "node:crypto";
import sharp from "sharp";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "../../devstore/seed";
import { startTestStore, type TestStore } from "../../devstore/test-store";
import { migratedTestDatabase } from "../../tests/harness/database";
import { createPrismaClient, type PrismaClient } from "../db";
import { checkRedis, createRedisConnection } from "../queue/connection";
import { createProducers, type Producers } from "../queue/producer";
import { AdminApiError, AdminClient, FileUpdateDocument } from "../shopify-admin";
import { altText } from "../prompts";
import { translateAlt } from "./alt-translations";
import { featurePublished, GONE_IN_SHOPIFY, PublishedMediaError, removePublished, republish } from "./published";
import { publishChainJobIds } from "./review";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const shop = DEMO_SHOP;

let store: TestStore;
let admin: AdminClient;
let client: PrismaClient;
let dropDatabase: () => Promise<void>;
let connection: Redis;
let producers: Producers;
let productId: string;
let png: Buffer;

beforeAll(async () => {
  store = await startTestStore();
  admin = new AdminClient({ shop, accessToken: store.token, env: { SHOPIFY_LOCAL_STORE_URL: store.url } });
  const database = await migratedTestDatabase("sqlite");
  client = createPrismaClient(database.url);
  dropDatabase = database.drop;
  await checkRedis(REDIS_URL);
  connection = createRedisConnection(REDIS_URL);
  producers = createProducers(connection, `test-${randomUUID()}`);
  productId = store.control.createProduct(shop, { title: "Canvas Backpack", productType: "Backpack" }).id;
  png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#888" } })
    .png()
    .toBuffer();
  // The product's own photo comes first: it is the featured image.
  await store.control.addImageFile(shop, productId, { filename: "photo.png", bytes: png, processing: "listed-ready" });
});

afterAll(async () => {
  for (const key of ["post", "publish"] as const) await producers?.queue(key).obliterate({ force: true });
  await producers?.close();
  connection?.disconnect();
  await client?.$disconnect();
  await dropDatabase?.();
  await store?.stop();
});

/** An image SceneBooth published: on the product in the store, and its row as the publish stage leaves it. */
async function published(
  sceneId = "g7",
  state = "published",
  product = productId,
): Promise<{ candidateId: string; mediaId: string; subjectId: string }> {
  const { mediaId } = await store.control.addImageFile(shop, product, {
    filename: `scenebooth-${randomUUID()}.png`,
    bytes: png,
    processing: "listed-ready",
  });
  const subject = await client.subject.upsert({
    where: { shop_productId: { shop, productId: product } },
    create: {
      shop,
      productId: product,
      productTitle: "Canvas Backpack",
      classNoun: "backpack",
      identifierToken: "<mybackpack>",
      state: "published",
    },
    update: {},
  });
  const generation = await client.generation.create({
    data: { shop, subjectId: subject.id, scenes: "[]", imagesPerScene: 1, status: "succeeded" },
  });
  const candidate = await client.candidate.create({
    data: {
      shop,
      generationId: generation.id,
      subjectId: subject.id,
      sceneId,
      sceneKind: "general",
      prompt: "p",
      seed: 0,
      imageBlobKey: `shops/${shop}/c.png`,
      state,
      publishedMediaId: state === "pending" ? null : mediaId,
      publishedAt: new Date(),
    },
  });
  return { candidateId: candidate.id, mediaId, subjectId: subject.id };
}

const mediaIds = () => store.control.productMedia(shop, productId).map((m) => m.id);
const row = (id: string) => client.candidate.findUniqueOrThrow({ where: { id } });

describe("after publishing", () => {
  it("makes a published image the featured image through Shopify's reorder job", async () => {
    const { candidateId, mediaId } = await published();
    expect(mediaIds()[0]).not.toBe(mediaId);
    const message = await featurePublished(client, admin, shop, candidateId, { pollIntervalMs: 5 });
    expect(message).toBe("This image is now the product's featured image.");
    expect(mediaIds()[0]).toBe(mediaId);
  });

  it("removes only its own published image, once: a second remove asks Shopify nothing", async () => {
    const { candidateId, mediaId } = await published();
    const before = mediaIds();
    await expect(removePublished(client, admin, shop, candidateId)).resolves.toMatch(/^Removed from the product/);
    expect(mediaIds()).toEqual(before.filter((id) => id !== mediaId));
    expect(await row(candidateId)).toMatchObject({ state: "removed", publishedMediaId: mediaId, error: null });
    expect((await row(candidateId)).removedAt).toBeInstanceOf(Date);

    const requests = store.control.requestsFor(shop);
    await expect(removePublished(client, admin, shop, candidateId)).resolves.toBe(
      "This image was already removed from the product.",
    );
    expect(store.control.requestsFor(shop)).toBe(requests);

    const { candidateId: pending } = await published("g7", "pending");
    await expect(removePublished(client, admin, shop, pending)).rejects.toThrow(PublishedMediaError);
  });

  it("an image already deleted in Shopify: Remove says so and lists it as removed; Make featured refuses", async () => {
    const deleted = await published();
    await store.graphql("mutation($ids: [ID!]!) { fileDelete(fileIds: $ids) { deletedFileIds } }", {
      ids: [deleted.mediaId],
    });
    await expect(removePublished(client, admin, shop, deleted.candidateId)).resolves.toMatch(
      /already been deleted in Shopify/,
    );
    expect(await row(deleted.candidateId)).toMatchObject({ state: "removed", error: GONE_IN_SHOPIFY });

    const detached = await published();
    await admin.request(FileUpdateDocument, { files: [{ id: detached.mediaId, referencesToRemove: [productId] }] });
    await expect(featurePublished(client, admin, shop, detached.candidateId)).rejects.toThrow(
      /no longer on the product in Shopify/,
    );
    expect(await row(detached.candidateId)).toMatchObject({ state: "removed", error: GONE_IN_SHOPIFY });
  });

  it("a remove whose answer Shopify lost: the row stays published until a retry, which ends removed", async () => {
    const { candidateId, mediaId } = await published();
    const impatient = new AdminClient({
      shop,
      accessToken: store.token,
      env: { SHOPIFY_LOCAL_STORE_URL: store.url },
      maxAttempts: 2,
      backoffMs: 10,
    });
    store.control.injectFault({ kind: "lost-answer" }, { operation: "fileUpdate", times: 2 });
    await expect(removePublished(client, impatient, shop, candidateId)).rejects.toThrow(AdminApiError);
    // Shopify ran it; SceneBooth could not know, so it recorded nothing.
    expect(mediaIds()).not.toContain(mediaId);
    expect((await row(candidateId)).state).toBe("published");
    store.control.clearFaults();
    await expect(removePublished(client, impatient, shop, candidateId)).resolves.toMatch(/^Removed from the product/);
    expect(await row(candidateId)).toMatchObject({ state: "removed", error: null });
  });

  it("a product whose last published image is removed (here or in Shopify) is no longer listed as published", async () => {
    const product = store.control.createProduct(shop, { title: "Tote", productType: "Bag" }).id;
    const first = await published("g7", "published", product);
    const second = await published("g5", "published", product);
    const subjectState = async () => (await client.subject.findUniqueOrThrow({ where: { id: first.subjectId } })).state;
    await removePublished(client, admin, shop, first.candidateId);
    expect(await subjectState()).toBe("published");
    // The second one was deleted in Shopify: Make featured finds it gone.
    await admin.request(FileUpdateDocument, { files: [{ id: second.mediaId, referencesToRemove: [product] }] });
    await expect(featurePublished(client, admin, shop, second.candidateId)).rejects.toThrow(PublishedMediaError);
    expect(await subjectState()).toBe("review");
    // Publishing one again puts it on its way: the publish stage marks the product published when it lands.
    await republish(client, producers, shop, first.candidateId);
    expect((await row(first.candidateId)).state).toBe("approved");
  });

  it("publishing a removed image again queues its chain once", async () => {
    const { candidateId } = await published();
    await removePublished(client, admin, shop, candidateId);
    await expect(republish(client, producers, shop, candidateId)).resolves.toMatch(/^Publishing again/);
    expect((await row(candidateId)).state).toBe("approved");
    const job = await producers.queue("publish").getJob(publishChainJobIds(candidateId).publish);
    expect(job).toBeDefined();
    await expect(republish(client, producers, shop, candidateId)).resolves.toBe(
      "This image is already on its way to the product.",
    );
  });
});

describe("alt text in the shop's languages", () => {
  const registered = (mediaId: string, locale: string) =>
    store
      .graphql(
        `query($id: ID!, $locale: String!) { translatableResource(resourceId: $id) { translations(locale: $locale) { key value } } }`,
        { id: mediaId, locale },
      )
      .then((r) => r.body.data.translatableResource.translations as Array<{ key: string; value: string }>);

  async function altSet(sceneId: string) {
    const image = await published(sceneId);
    const alt = altText("Canvas Backpack", "backpack", sceneId === "g7" ? "on the beach" : "in the snow");
    await admin.request(FileUpdateDocument, { files: [{ id: image.mediaId, alt }] });
    return { ...image, alt };
  }

  it("registers the alt text for a second published locale when the option is on, and sends nothing when it is off", async () => {
    store.control.setLocales(shop, [
      { locale: "en", name: "English", primary: true, published: true },
      { locale: "fr", name: "French", primary: false, published: true },
      { locale: "ja", name: "Japanese", primary: false, published: true },
    ]);
    store.control.translate(shop, productId, "fr", "title", "Sac à dos en toile");
    await client.session.create({
      data: {
        id: `offline_${shop}`,
        shop,
        state: "",
        isOnline: false,
        accessToken: store.token,
        scope: "read_products,write_products,write_files,write_translations,read_locales",
      },
    });
    const image = await altSet("g7");
    const input = { mediaId: image.mediaId, productId, productTitle: "Canvas Backpack", sceneId: "g7", alt: image.alt };

    // Off (the default): nothing is asked of Shopify.
    const requests = store.control.requestsFor(shop);
    expect(await translateAlt(client, admin, shop, input)).toBeNull();
    expect(store.control.requestsFor(shop)).toBe(requests);
    expect(await registered(image.mediaId, "fr")).toEqual([]);

    await client.shop.upsert({
      where: { shop },
      create: { shop, translateAltText: true },
      update: { translateAltText: true },
    });
    const outcome = await translateAlt(client, admin, shop, input);
    expect(outcome).toEqual({ registered: ["fr"], untranslated: [{ locale: "ja", reason: "no-phrase" }] });
    expect(await registered(image.mediaId, "fr")).toEqual([{ key: "alt", value: "Sac à dos en toile — sur la plage" }]);
    expect(await registered(image.mediaId, "ja")).toEqual([]);

    // The merchant edited the alt text in Shopify: it cannot be translated here, so nothing is registered.
    await admin.request(FileUpdateDocument, { files: [{ id: image.mediaId, alt: "Our backpack at the sea" }] });
    expect(await translateAlt(client, admin, shop, input)).toEqual({
      registered: [],
      untranslated: [
        { locale: "fr", reason: "edited" },
        { locale: "ja", reason: "edited" },
      ],
    });

    // Without the optional scopes granted, nothing is sent either.
    await client.session.update({ where: { id: `offline_${shop}` }, data: { scope: "read_products" } });
    const before = store.control.requestsFor(shop);
    expect(await translateAlt(client, admin, shop, input)).toBeNull();
    expect(store.control.requestsFor(shop)).toBe(before);
  });
});
