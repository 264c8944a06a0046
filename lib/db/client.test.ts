// createPrismaClient on both databases: defaults, unique violations as Prisma errors, cascades.

import { Prisma as PrismaFromClientPackage } from "@prisma/client";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createPrismaClient, type PrismaClient } from "./client";
import { Prisma } from "./index";
import { migratedTestDatabase, postgresAvailability, type TestDatabaseKind } from "../../tests/harness/database";
import { sqliteFilePath } from "./url.mjs";

function exerciseClient(kind: TestDatabaseKind) {
  let client: PrismaClient;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const database = await migratedTestDatabase(kind);
    drop = database.drop;
    client = createPrismaClient(database.url);
  });
  afterAll(async () => {
    await client?.$disconnect();
    await drop?.();
  });

  it("fills in the documented defaults", async () => {
    const shop = await client.shop.create({ data: { shop: "alpha.myshopify.com" } });
    expect(shop).toMatchObject({
      autoGenerate: false,
      defaultSceneIds: "[]",
      imagesPerScene: 4,
      itmThreshold: 0.9,
      fidelityFloorDino: null,
      autoPublish: false,
      monthlyCapUsd: null,
      uninstalledAt: null,
    });
    expect(shop.installedAt).toBeInstanceOf(Date);
    const subject = await client.subject.create({
      data: {
        shop: shop.shop,
        productId: "gid://shopify/Product/1",
        productTitle: "Teapot",
        classNoun: "teapot",
        identifierToken: "<myteapot>",
      },
    });
    expect(subject.state).toBe("not_started");
  });

  it("reports a repeated idempotency key as P2002, recognisable by the session storage too", async () => {
    const data = { shop: "alpha.myshopify.com", kind: "gpu_seconds", quantity: 1, idempotencyKey: "job-1:gpu" };
    await client.usageRecord.create({ data });
    const error = await client.usageRecord.create({ data }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect(error).toBeInstanceOf(PrismaFromClientPackage.PrismaClientKnownRequestError);
    expect((error as Prisma.PrismaClientKnownRequestError).code).toBe("P2002");
  });

  it("allows the same Shopify product id in two shops, not twice in one", async () => {
    const subject = (shop: string) => ({
      shop,
      productId: "gid://shopify/Product/42",
      productTitle: "Vase",
      classNoun: "vase",
      identifierToken: "<myvase>",
    });
    await client.subject.create({ data: subject("alpha.myshopify.com") });
    await client.subject.create({ data: subject("beta.myshopify.com") });
    await expect(client.subject.create({ data: subject("alpha.myshopify.com") })).rejects.toMatchObject({
      code: "P2002",
    });
  });

  it("deletes a subject with its images, runs, generations and candidates", async () => {
    const shop = "gamma.myshopify.com";
    const subject = await client.subject.create({
      data: {
        shop,
        productId: "gid://shopify/Product/7",
        productTitle: "Boot",
        classNoun: "boot",
        identifierToken: "<myboot>",
      },
    });
    await client.trainingImage.create({
      data: { shop, subjectId: subject.id, sourceMediaId: "gid://shopify/MediaImage/1", originalBlobKey: "k" },
    });
    const run = await client.tuningRun.create({
      data: { shop, subjectId: subject.id, profile: "tiny", mode: "full", settingsHash: "h", steps: 5 },
    });
    const generation = await client.generation.create({
      data: { shop, subjectId: subject.id, tuningRunId: run.id, scenes: "[]", imagesPerScene: 2 },
    });
    await client.candidate.create({
      data: {
        shop,
        subjectId: subject.id,
        generationId: generation.id,
        sceneId: "general:0",
        sceneKind: "general",
        prompt: "p",
        seed: 2_147_483_647,
        imageBlobKey: "c",
      },
    });
    // A run still used by a generation cannot go on its own…
    await expect(client.tuningRun.delete({ where: { id: run.id } })).rejects.toThrow();
    // …but deleting the subject takes everything of it.
    await client.subject.delete({ where: { id: subject.id } });
    const where = { where: { shop } };
    expect(
      await Promise.all([
        client.trainingImage.count(where),
        client.tuningRun.count(where),
        client.generation.count(where),
        client.candidate.count(where),
      ]),
    ).toEqual([0, 0, 0, 0]);
  });
}

describe("createPrismaClient on SQLite", () => exerciseClient("sqlite"));

const postgres = await postgresAvailability();
describe.skipIf(!postgres.available)(
  `createPrismaClient on PostgreSQL${postgres.skipReason ? ` (${postgres.skipReason})` : ""}`,
  () => exerciseClient("postgres"),
);

describe("createPrismaClient on SQLite while another process writes", () => {
  it("an upsert waits up to 10 s for the write lock (no immediate SQLITE_BUSY, no expired transaction)", async () => {
    const database = await migratedTestDatabase("sqlite");
    const client = createPrismaClient(database.url);
    // A separate process: better-sqlite3 is synchronous, so the lock must not be held on this thread.
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const D = require("better-sqlite3"); const d = new D(${JSON.stringify(sqliteFilePath(database.url))}); d.exec("BEGIN EXCLUSIVE"); console.log("locked"); setTimeout(() => d.exec("COMMIT"), 6000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await new Promise((resolve) => holder.stdout!.once("data", resolve));
      const started = Date.now();
      const subject = await client.subject.upsert({
        where: { shop_productId: { shop: "busy.myshopify.com", productId: "gid://shopify/Product/1" } },
        create: {
          shop: "busy.myshopify.com",
          productId: "gid://shopify/Product/1",
          productTitle: "Busy",
          classNoun: "teapot",
          identifierToken: "<myteapot>",
        },
        update: {},
      });
      expect(subject.productTitle).toBe("Busy");
      // Longer than Prisma's default 5 s transaction timeout, shorter than the 10 s busy wait.
      expect(Date.now() - started).toBeGreaterThan(5500);
    } finally {
      holder.kill();
      await client.$disconnect();
      await database.drop();
    }
  });
});

describe("createPrismaClient", () => {
  it("rejects URLs of other databases", () => {
    expect(() => createPrismaClient("mysql://localhost/db")).toThrow(/Unsupported database URL/);
  });
});
