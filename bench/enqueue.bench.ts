/**
 * Enqueueing 1,000 products (a large bulk action): requestScenes — subject and generation rows plus
 * one BullMQ flow of six stage jobs each — against adding the same flows to Redis alone, in one run.
 * Goal (issue: the product pipeline): ≤ 2 s for 1,000 products.
 */
import { randomUUID } from "node:crypto";
import { createPrismaClient } from "../lib/db";
import { freshSqliteUrl } from "../lib/db/testing";
import { generationFlow } from "../lib/pipeline/flow";
import { requestScenes } from "../lib/pipeline/request-scenes";
import { createRedisConnection } from "../lib/queue/connection";
import { createProducers } from "../lib/queue/producer";
import { prepareDatabase } from "../scripts/prepare-database.mjs";
import { figure, timed, type Figure } from "./figure";

const PRODUCTS = 1000;
const SHOP = "bench-shop.myshopify.com";

export async function benchEnqueue(log: (line: string) => void = console.log): Promise<Figure[]> {
  const database = freshSqliteUrl();
  await prepareDatabase({ databaseUrl: database.url, log: () => {} });
  const client = createPrismaClient(database.url);
  const redis = createRedisConnection(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const prefix = `bench-${randomUUID()}`;
  const producers = createProducers(redis, prefix);
  try {
    log(`enqueue bench: ${PRODUCTS} products`);
    const baseline = await timed(async () => {
      for (let i = 0; i < PRODUCTS; i++) await producers.flows.add(generationFlow({ shop: SHOP, generationId: `raw-${i}` }, 300_000 + i));
    });
    const full = await timed(async () => {
      for (let i = 0; i < PRODUCTS; i++) {
        await requestScenes(client, producers, {
          shop: SHOP,
          product: { id: `gid://shopify/Product/${i + 1}`, title: `Product ${i + 1}`, productType: "sneaker" },
          sceneIds: ["g5", "g7", "s18"],
          imagesPerScene: 4,
          source: "bulk",
        });
      }
    });
    return [
      figure({
        name: `enqueue ${PRODUCTS} products (rows + one flow each)`,
        value: full.ms / 1000,
        unit: "s",
        baseline: "the same flows added to Redis alone",
        baselineValue: baseline.ms / 1000,
        goal: "≤ 2 s",
      }),
    ];
  } finally {
    for (const key of ["ingest", "gpu", "post", "publish"] as const) await producers.queue(key).obliterate({ force: true });
    await producers.close();
    redis.disconnect();
    await client.$disconnect();
    database.remove();
  }
}

export default benchEnqueue;
