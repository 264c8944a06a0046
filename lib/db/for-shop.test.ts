// forShop(client, A) never returns, updates or deletes shop B's rows, on SQLite and PostgreSQL.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { createPrismaClient, type PrismaClient } from "./client";
import { forShop, ShopScopeError } from "./for-shop";
import { migratedTestDatabase, postgresAvailability, type TestDatabaseKind } from "../../tests/harness/database";

const A = "alpha.myshopify.com";
const B = "beta.myshopify.com";

/** Rows of one shop: a Shop, a subject with an image, a tuning run, a generation with a candidate… */
async function seed(client: PrismaClient, shop: string, tag: string) {
  await client.shop.create({ data: { shop } });
  const subject = await client.subject.create({
    data: {
      shop,
      productId: "gid://shopify/Product/1", // the same Shopify id in both shops
      productTitle: `Sneaker ${tag}`,
      classNoun: "sneaker",
      identifierToken: "<mysneaker>",
    },
  });
  const image = await client.trainingImage.create({
    data: { shop, subjectId: subject.id, sourceMediaId: "gid://shopify/MediaImage/1", originalBlobKey: `${tag}/1.jpg` },
  });
  const run = await client.tuningRun.create({
    data: { shop, subjectId: subject.id, profile: "tiny", mode: "lora", settingsHash: "h", steps: 10 },
  });
  const generation = await client.generation.create({
    data: { shop, subjectId: subject.id, tuningRunId: run.id, scenes: "[]", imagesPerScene: 1 },
  });
  const candidate = await client.candidate.create({
    data: {
      shop,
      generationId: generation.id,
      subjectId: subject.id,
      sceneId: "general:7",
      sceneKind: "general",
      prompt: "a sneaker <mysneaker> on the beach",
      seed: 1,
      imageBlobKey: `${tag}/c.png`,
    },
  });
  await client.webhookEvent.create({ data: { shop, eventId: "evt-1", topic: "products/create" } });
  await client.usageRecord.create({ data: { shop, kind: "gpu_seconds", quantity: 5, idempotencyKey: `${tag}-usage` } });
  return { subject, image, run, generation, candidate };
}

type Seeded = Awaited<ReturnType<typeof seed>>;

/** Every row of shop B, to compare before and after. */
async function snapshotOf(client: PrismaClient, shop: string) {
  const where = { where: { shop } };
  return {
    shops: await client.shop.findMany({ ...where, orderBy: { id: "asc" } }),
    subjects: await client.subject.findMany({ ...where, orderBy: { id: "asc" } }),
    images: await client.trainingImage.findMany({ ...where, orderBy: { id: "asc" } }),
    runs: await client.tuningRun.findMany({ ...where, orderBy: { id: "asc" } }),
    generations: await client.generation.findMany({ ...where, orderBy: { id: "asc" } }),
    candidates: await client.candidate.findMany({ ...where, orderBy: { id: "asc" } }),
    webhooks: await client.webhookEvent.findMany({ ...where, orderBy: { id: "asc" } }),
    usage: await client.usageRecord.findMany({ ...where, orderBy: { id: "asc" } }),
  };
}

function proveIsolation(kind: TestDatabaseKind) {
  let client: PrismaClient;
  let drop: () => Promise<void>;
  let a: Seeded;
  let b: Seeded;
  let bBefore: Awaited<ReturnType<typeof snapshotOf>>;
  let scoped: ReturnType<typeof forShop>;

  beforeAll(async () => {
    const database = await migratedTestDatabase(kind);
    drop = database.drop;
    client = createPrismaClient(database.url);
  });
  afterAll(async () => {
    await client?.$disconnect();
    await drop?.();
  });
  beforeEach(async () => {
    // Children first would be needed without cascades; deleting shops' subjects cascades.
    await client.subject.deleteMany();
    await client.shop.deleteMany();
    await client.webhookEvent.deleteMany();
    await client.usageRecord.deleteMany();
    a = await seed(client, A, "a");
    b = await seed(client, B, "b");
    bBefore = await snapshotOf(client, B);
    scoped = forShop(client, A);
  });

  async function expectBUntouched() {
    expect(await snapshotOf(client, B)).toEqual(bBefore);
  }

  it("findMany, findFirst and count see only shop A", async () => {
    const subjects = await scoped.subject.findMany();
    expect(subjects.map((s) => s.id)).toEqual([a.subject.id]);
    expect(await scoped.candidate.findMany()).toHaveLength(1);
    expect((await scoped.candidate.findMany())[0]!.id).toBe(a.candidate.id);
    expect(await scoped.subject.findFirst({ where: { productTitle: "Sneaker b" } })).toBeNull();
    expect(await scoped.webhookEvent.count()).toBe(1);
    expect(await scoped.usageRecord.count({ where: { kind: "gpu_seconds" } })).toBe(1);
    expect(await client.usageRecord.count({ where: { kind: "gpu_seconds" } })).toBe(2);
  });

  it("findUnique by the id of B's row returns null; the OrThrow variants throw", async () => {
    expect(await scoped.subject.findUnique({ where: { id: b.subject.id } })).toBeNull();
    expect(await scoped.candidate.findUnique({ where: { id: b.candidate.id } })).toBeNull();
    await expect(scoped.shop.findUnique({ where: { shop: B } })).rejects.toBeInstanceOf(ShopScopeError);
    expect((await scoped.shop.findUnique({ where: { shop: A } }))?.shop).toBe(A);
    expect(await scoped.subject.findUnique({ where: { id: a.subject.id } })).not.toBeNull();
    await expect(scoped.trainingImage.findUniqueOrThrow({ where: { id: b.image.id } })).rejects.toThrow();
    await expect(scoped.generation.findFirstOrThrow({ where: { id: b.generation.id } })).rejects.toThrow();
  });

  it("a compound unique key naming shop B finds nothing", async () => {
    const found = await scoped.subject.findUnique({
      where: { shop_productId: { shop: B, productId: "gid://shopify/Product/1" } },
    });
    expect(found).toBeNull();
  });

  it("aggregate and groupBy cover only shop A", async () => {
    const sum = await scoped.usageRecord.aggregate({ _sum: { quantity: true } });
    expect(sum._sum.quantity).toBe(5);
    const groups = await scoped.subject.groupBy({ by: ["shop"], _count: { _all: true } });
    expect(groups).toEqual([{ shop: A, _count: { _all: 1 } }]);
  });

  it("includes reach only shop A's related rows", async () => {
    const subjects = await scoped.subject.findMany({
      include: { trainingImages: true, candidates: true, tuningRuns: true },
    });
    expect(subjects).toHaveLength(1);
    expect(subjects[0]!.trainingImages.map((i) => i.id)).toEqual([a.image.id]);
    expect(subjects[0]!.candidates.map((c) => c.id)).toEqual([a.candidate.id]);
    expect(subjects[0]!.tuningRuns.map((r) => r.id)).toEqual([a.run.id]);
  });

  it("updateMany and update change only shop A's rows", async () => {
    const result = await scoped.subject.updateMany({ data: { state: "training" } });
    expect(result.count).toBe(1);
    expect((await client.subject.findUniqueOrThrow({ where: { id: a.subject.id } })).state).toBe("training");
    await expect(scoped.subject.update({ where: { id: b.subject.id }, data: { state: "failed" } })).rejects.toThrow();
    await expect(
      scoped.candidate.update({ where: { id: b.candidate.id }, data: { selected: true } }),
    ).rejects.toThrow();
    await expectBUntouched();
  });

  it("deleteMany and delete remove only shop A's rows", async () => {
    await expect(scoped.candidate.delete({ where: { id: b.candidate.id } })).rejects.toThrow();
    expect((await scoped.webhookEvent.deleteMany()).count).toBe(1);
    expect((await scoped.subject.deleteMany()).count).toBe(1);
    expect(await client.trainingImage.count({ where: { shop: A } })).toBe(0); // cascaded
    await expectBUntouched();
  });

  it("upsert by the id of B's row creates in shop A and leaves B's row alone", async () => {
    const row = await scoped.usageRecord.upsert({
      where: { id: b.generation.id },
      create: { shop: A, kind: "images_generated", quantity: 4, idempotencyKey: "a-upsert" },
      update: { quantity: 999 },
    });
    expect(row.shop).toBe(A);
    await expectBUntouched();
  });

  it("create forces shop A: without a shop it is filled in, another shop is refused", async () => {
    const created = await scoped.webhookEvent.create({
      data: { eventId: "evt-2", topic: "products/update" } as { shop: string; eventId: string; topic: string },
    });
    expect(created.shop).toBe(A);
    await expect(
      scoped.webhookEvent.create({ data: { shop: B, eventId: "evt-3", topic: "products/update" } }),
    ).rejects.toBeInstanceOf(ShopScopeError);
    await expect(
      scoped.usageRecord.createMany({
        data: [
          { shop: A, kind: "gpu_seconds", quantity: 1, idempotencyKey: "k1" },
          { shop: B, kind: "gpu_seconds", quantity: 1, idempotencyKey: "k2" },
        ],
      }),
    ).rejects.toBeInstanceOf(ShopScopeError);
    expect(await client.usageRecord.count({ where: { idempotencyKey: { in: ["k1", "k2"] } } })).toBe(0);
    await expectBUntouched();
  });

  it("a child of shop A cannot point at shop B's parent", async () => {
    // The relation includes shop, so the database rejects (A, B's subject id).
    await expect(
      scoped.trainingImage.create({
        data: { shop: A, subjectId: b.subject.id, sourceMediaId: "gid://shopify/MediaImage/9", originalBlobKey: "x" },
      }),
    ).rejects.toThrow();
    await expect(
      scoped.generation.update({ where: { id: a.generation.id }, data: { tuningRunId: b.run.id } }),
    ).rejects.toThrow();
    // Nested connects pick rows by id alone: refused before reaching the database.
    await expect(
      scoped.trainingImage.update({ where: { id: a.image.id }, data: { subject: { connect: { id: b.subject.id } } } }),
    ).rejects.toBeInstanceOf(ShopScopeError);
    await expect(
      scoped.subject.update({
        where: { id: a.subject.id },
        data: { trainingImages: { connect: [{ id: b.image.id }] } },
      }),
    ).rejects.toBeInstanceOf(ShopScopeError);
    await expectBUntouched();
  });

  it("refuses a where or data that names shop B, and raw SQL", async () => {
    await expect(scoped.subject.findMany({ where: { shop: B } })).rejects.toBeInstanceOf(ShopScopeError);
    await expect(scoped.subject.updateMany({ data: { shop: B } })).rejects.toBeInstanceOf(ShopScopeError);
    await expect(scoped.$queryRaw`SELECT 1`).rejects.toBeInstanceOf(ShopScopeError);
    await expectBUntouched();
  });

  it("interactive transactions stay scoped", async () => {
    const ids = await scoped.$transaction(async (tx) => (await tx.subject.findMany()).map((s) => s.id));
    expect(ids).toEqual([a.subject.id]);
  });

  it("nested creates inherit the parent's shop", async () => {
    const subject = await scoped.subject.create({
      data: {
        shop: A,
        productId: "gid://shopify/Product/2",
        productTitle: "Boot",
        classNoun: "boot",
        identifierToken: "<myboot>",
        trainingImages: { create: [{ sourceMediaId: "gid://shopify/MediaImage/2", originalBlobKey: "a/2.jpg" }] },
      },
      include: { trainingImages: true },
    });
    expect(subject.trainingImages.map((i) => i.shop)).toEqual([A]);
  });

  it("does not scope Session, which the Shopify session storage owns", async () => {
    await client.session.create({ data: { id: "s-b", shop: B, state: "x", accessToken: "t" } });
    expect(await scoped.session.count()).toBe(1);
    await client.session.deleteMany();
  });
}

describe("forShop on SQLite", () => proveIsolation("sqlite"));

const postgres = await postgresAvailability();
describe.skipIf(!postgres.available)(
  `forShop on PostgreSQL${postgres.skipReason ? ` (${postgres.skipReason})` : ""}`,
  () => proveIsolation("postgres"),
);

describe("forShop arguments", () => {
  it("requires a shop", () => {
    expect(() => forShop({} as PrismaClient, "")).toThrow(ShopScopeError);
  });
});
