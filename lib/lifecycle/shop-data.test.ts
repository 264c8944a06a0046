import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareDatabase } from "../../scripts/prepare-database.mjs";
import { createPrismaClient, type PrismaClient } from "../db";
import { freshSqliteUrl } from "../../tests/harness/database";
import { requestScenes } from "../pipeline/request-scenes";
import { checkRedis, createRedisConnection } from "../queue/connection";
import { createProducers, type Producers } from "../queue/producer";
import { blobKey, LocalBlobStore } from "../storage";
import { countShopData, countShopJobs, deleteShopData } from "./shop-data";
import { workDirPurgeChannel } from "./workdir-purge";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const A = "lifecycle-a.myshopify.com";
const B = "lifecycle-b.myshopify.com";

let client: PrismaClient;
let database: { url: string; remove: () => void };
let connection: Redis;
let producers: Producers;
let root: string;
let store: LocalBlobStore;

/** Two products with requests (flows queued), photos, candidates, usage and a session for `shop`. */
async function seedShop(shop: string) {
  await client.shop.create({ data: { shop, autoGenerate: true } });
  await client.session.create({ data: { id: `offline_${shop}`, shop, state: "", accessToken: "shpat_x" } });
  for (const n of [1, 2]) {
    const { generation } = await requestScenes(client, producers, {
      shop,
      product: { id: `gid://shopify/Product/${n}`, title: `Teapot ${n}`, productType: "teapot" },
      sceneIds: ["g7"],
      imagesPerScene: 1,
      source: "bulk",
    });
    await client.candidate.create({
      data: {
        shop,
        generationId: generation.id,
        subjectId: generation.subjectId,
        sceneId: "g7",
        sceneKind: "general",
        prompt: "p",
        seed: n,
        imageBlobKey: blobKey(shop, "c", `${n}.png`),
      },
    });
    await store.put(blobKey(shop, "subjects", generation.subjectId, "originals", "1.jpg"), Buffer.from("photo"));
    await store.put(blobKey(shop, "adapters", generation.subjectId, "lora.safetensors"), Buffer.from("weights"));
    await store.put(blobKey(shop, "c", `${n}.png`), Buffer.from("candidate"));
  }
  await client.usageRecord.create({
    data: { shop, kind: "tuned_product", quantity: 1, idempotencyKey: `${shop}:tuned_product:x`, amountUsd: 0.5 },
  });
  await client.webhookEvent.create({ data: { shop, eventId: "e1", topic: "products/create" } });
  await client.brandPreset.create({ data: { shop, name: "Counter", kind: "general", text: "on our counter" } });
}

beforeAll(async () => {
  await checkRedis(REDIS_URL);
  database = freshSqliteUrl();
  await prepareDatabase({ databaseUrl: database.url, log: () => {} });
  client = createPrismaClient(database.url);
  connection = createRedisConnection(REDIS_URL);
  producers = createProducers(connection, `test-${randomUUID()}`);
  root = await mkdtemp(path.join(os.tmpdir(), "lifecycle-blobs-"));
  store = new LocalBlobStore({ rootDir: root, publicBaseUrl: "http://app.test", signingKey: "k" });
  await seedShop(A);
  await seedShop(B);
});

afterAll(async () => {
  for (const key of ["ingest", "gpu", "post", "publish"] as const)
    await producers?.queue(key).obliterate({ force: true });
  await producers?.close();
  await connection?.quit();
  await client?.$disconnect();
  database?.remove();
  await rm(root, { recursive: true, force: true });
});

describe("deleteShopData", () => {
  it("leaves nothing of the shop: rows, sessions, blobs, queued jobs, and tells the GPU workers to purge its work folder; the other shop keeps everything", async () => {
    const before = await countShopData({ client, store }, A);
    expect(before).toMatchObject({
      sessions: 1,
      shops: 1,
      subjects: 2,
      generations: 2,
      candidates: 2,
      usageRecords: 1,
      webhookEvents: 1,
      brandPresets: 1,
      blobs: 6,
    });
    // Each request is one six-stage flow: all its jobs wait (the chain's first stage, the rest for their children).
    expect((await countShopJobs(producers, A)).waiting).toBe(12);
    const otherBefore = await countShopData({ client, store }, B);

    // A GPU worker listening for purges (worker/shop-purge.ts).
    const listener = createRedisConnection(REDIS_URL);
    const heard: string[] = [];
    listener.on("message", (_channel: string, message: string) => heard.push(JSON.parse(message).shop));
    await listener.subscribe(workDirPurgeChannel(producers.prefix));
    const report = await deleteShopData({ client, store, producers }, A).finally(() => listener.quit());
    expect([report.workHostsNotified, heard]).toEqual([1, [A]]);
    expect(report.cancelledGenerations).toBe(2);
    expect(report.jobsKept).toBe(0);
    expect(report.deleted).toMatchObject({
      sessions: 1,
      shops: 1,
      subjects: 2,
      generations: 2,
      candidates: 2,
      brandPresets: 1,
      blobs: 6,
    });

    expect(Object.values(await countShopData({ client, store }, A)).every((n) => n === 0)).toBe(true);
    expect(await countShopJobs(producers, A)).toEqual({ waiting: 0, active: 0, finished: 0 });
    expect(await countShopData({ client, store }, B)).toEqual(otherBefore);
    expect((await countShopJobs(producers, B)).waiting).toBe(12);
  });

  it("is idempotent: running it again deletes nothing and does not fail", async () => {
    const again = await deleteShopData({ client, store, producers }, A);
    expect(again.jobsRemoved).toBe(0);
    expect(Object.values(again.deleted).every((n) => n === 0)).toBe(true);
  });
});
