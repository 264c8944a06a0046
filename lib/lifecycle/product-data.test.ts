import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "../db";
import { migratedTestDatabase } from "../../tests/harness/database";
import { generationRoot } from "../pipeline/flow";
import { requestScenes } from "../pipeline/request-scenes";
import { enqueuePublish, publishChainJobIds } from "../pipeline/review";
import { checkRedis, createRedisConnection } from "../queue/connection";
import { createProducers, type Producers } from "../queue/producer";
import { blobKey, LocalBlobStore } from "../storage";
import { deleteProductData } from "./product-data";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SHOP = "product-delete.myshopify.com";
const product = (n: number) => `gid://shopify/Product/${n}`;

let client: PrismaClient;
let drop: () => Promise<void>;
let connection: Redis;
let producers: Producers;
let root: string;
let store: LocalBlobStore;
const seeded: Record<number, { subjectId: string; generationId: string; candidateId: string }> = {};

/** A product with an open request (its flow queued), an approved image (its publish chain queued), photos and weights. */
async function seedProduct(n: number) {
  const { generation } = await requestScenes(client, producers, {
    shop: SHOP,
    product: { id: product(n), title: `Teapot ${n}`, productType: "teapot" },
    sceneIds: ["g7"],
    imagesPerScene: 1,
    source: "bulk",
  });
  const imageKey = blobKey(SHOP, "subjects", generation.subjectId, "candidates", "c.png");
  const candidate = await client.candidate.create({
    data: {
      shop: SHOP,
      generationId: generation.id,
      subjectId: generation.subjectId,
      sceneId: "g7",
      sceneKind: "general",
      prompt: "p",
      seed: 0,
      imageBlobKey: imageKey,
      state: "approved",
    },
  });
  await enqueuePublish(producers, SHOP, candidate.id);
  await client.trainingImage.create({
    data: {
      shop: SHOP,
      subjectId: generation.subjectId,
      sourceMediaId: `gid://shopify/MediaImage/${n}`,
      originalBlobKey: blobKey(SHOP, "subjects", generation.subjectId, "originals", "1.jpg"),
    },
  });
  await store.put(imageKey, Buffer.from("candidate"));
  await store.put(blobKey(SHOP, "subjects", generation.subjectId, "originals", "1.jpg"), Buffer.from("photo"));
  await store.put(
    blobKey(SHOP, "subjects", generation.subjectId, "weights", "run", "lora.safetensors"),
    Buffer.from("weights"),
  );
  seeded[n] = { subjectId: generation.subjectId, generationId: generation.id, candidateId: candidate.id };
}

async function queued(n: number): Promise<boolean[]> {
  const { generationId, candidateId } = seeded[n]!;
  const flow = generationRoot(generationId);
  const chain = publishChainJobIds(candidateId);
  return Promise.all([
    producers.queue(flow.queue).getJob(flow.jobId).then(Boolean),
    producers.queue("publish").getJob(chain.publish).then(Boolean),
    producers.queue("post").getJob(chain.upscale).then(Boolean),
  ]);
}

beforeAll(async () => {
  await checkRedis(REDIS_URL);
  const database = await migratedTestDatabase("sqlite");
  drop = database.drop;
  client = createPrismaClient(database.url);
  connection = createRedisConnection(REDIS_URL);
  producers = createProducers(connection, `test-${randomUUID()}`);
  root = await mkdtemp(path.join(os.tmpdir(), "product-delete-blobs-"));
  store = new LocalBlobStore({ rootDir: root, publicBaseUrl: "http://app.test", signingKey: "k" });
  await seedProduct(1);
  await seedProduct(2);
  await client.usageRecord.create({
    data: { shop: SHOP, kind: "tuned_product", quantity: 1, idempotencyKey: `${SHOP}:tuned_product:x`, amountUsd: 0.5 },
  });
});

afterAll(async () => {
  for (const key of ["ingest", "gpu", "post", "publish"] as const)
    await producers?.queue(key).obliterate({ force: true });
  await producers?.close();
  connection?.disconnect();
  await client?.$disconnect();
  await drop?.();
  await rm(root, { recursive: true, force: true });
});

describe("deleteProductData", () => {
  it("removes the product's queued jobs, rows and files; the shop's other product and its billing history stay", async () => {
    expect(await queued(1)).toEqual([true, true, true]);
    const report = await deleteProductData({ client, store, producers }, SHOP, product(1));
    expect(report).toMatchObject({
      cancelledGenerations: 1,
      jobsRemoved: 2,
      jobsKept: 0,
      deleted: { subjects: 1, generations: 1, candidates: 1, trainingImages: 1, blobs: 3 },
    });
    expect(await queued(1)).toEqual([false, false, false]);
    expect(await client.subject.count({ where: { shop: SHOP, productId: product(1) } })).toBe(0);
    expect(await store.list(`${blobKey(SHOP, "subjects", seeded[1]!.subjectId)}/`)).toEqual([]);

    expect(await queued(2)).toEqual([true, true, true]);
    expect(await store.list(`${blobKey(SHOP, "subjects", seeded[2]!.subjectId)}/`)).toHaveLength(3);
    expect(await client.candidate.count({ where: { shop: SHOP } })).toBe(1);
    expect(await client.usageRecord.count({ where: { shop: SHOP } })).toBe(1);
  });

  it("is idempotent: a redelivered products/delete deletes nothing more", async () => {
    const again = await deleteProductData({ client, store, producers }, SHOP, product(1));
    expect(again).toEqual({
      cancelledGenerations: 0,
      jobsRemoved: 0,
      jobsKept: 0,
      deleted: { subjects: 0, generations: 0, candidates: 0, tuningRuns: 0, trainingImages: 0, blobs: 0 },
    });
  });
});
