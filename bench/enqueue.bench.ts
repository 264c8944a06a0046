/**
 * Enqueueing 1,000 products (a large bulk action): requestScenesBatch — subject and generation rows
 * in one transaction plus one BullMQ flow of six stage jobs each — against adding the same flows to
 * Redis alone, in one run. Goal (issue: the product pipeline): ≤ 2 s for 1,000 products.
 */
import { randomUUID } from "node:crypto";
import { createPrismaClient } from "../lib/db";
import { freshSqliteUrl } from "../tests/harness/database";
import { generationFlow } from "../lib/pipeline/flow";
import { requestScenesBatch } from "../lib/pipeline/request-scenes";
import { createRedisConnection } from "../lib/queue/connection";
import { createProducers } from "../lib/queue/producer";
import { prepareDatabase } from "../scripts/prepare-database.mjs";
import { figure, timed, type Figure } from "./figure";

const PRODUCTS = 1000;
const SHOP = "bench-shop.myshopify.com";

function request(n: number) {
  return {
    shop: SHOP,
    product: { id: `gid://shopify/Product/${n}`, title: `Product ${n}`, productType: "sneaker" },
    sceneIds: ["g5", "g7", "s18"],
    imagesPerScene: 4,
    source: "bulk" as const,
  };
}

export async function benchEnqueue(log: (line: string) => void = console.log): Promise<Figure[]> {
  const database = freshSqliteUrl();
  await prepareDatabase({ databaseUrl: database.url, log: () => {} });
  const client = createPrismaClient(database.url);
  const redis = createRedisConnection(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const prefix = `bench-${randomUUID()}`;
  const producers = createProducers(redis, prefix);
  try {
    log(`enqueue bench: ${PRODUCTS} products`);
    // Warm-up (connections, Lua scripts, prepared statements), then the measured runs.
    await producers.flows.addBulk([generationFlow({ shop: SHOP, generationId: "warm-up" }, 300_000)]);
    // A bulk action of 1,000 products is above the default daily image limit, which this bench is not about.
    const limits = { dailyImageLimit: (PRODUCTS + 1) * 12 };
    await requestScenesBatch(client, producers, [request(0)], limits);
    const baseline = await timed(() =>
      producers.flows.addBulk(
        Array.from({ length: PRODUCTS }, (_, i) =>
          generationFlow({ shop: SHOP, generationId: `raw-${i}` }, 300_000 + i),
        ),
      ),
    );
    const full = await timed(async () => {
      const outcomes = await requestScenesBatch(
        client,
        producers,
        Array.from({ length: PRODUCTS }, (_, i) => request(i + 1)),
        limits,
      );
      const started = outcomes.filter((o) => o.ok && o.created).length;
      if (started !== PRODUCTS) throw new Error(`enqueue bench: ${started} of ${PRODUCTS} requests started`);
    });
    return [
      figure({
        name: `enqueue ${PRODUCTS} products (rows in one transaction + one flow each)`,
        value: full.ms / 1000,
        unit: "s",
        baseline: "the same flows added to Redis alone (one addBulk)",
        baselineValue: baseline.ms / 1000,
        goal: "≤ 2 s",
      }),
    ];
  } finally {
    for (const key of ["ingest", "gpu", "post", "publish"] as const)
      await producers.queue(key).obliterate({ force: true });
    await producers.close();
    redis.disconnect();
    await client.$disconnect();
    database.remove();
  }
}

export default benchEnqueue;
