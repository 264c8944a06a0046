import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "../db";
import { migratedTestDatabase, postgresAvailability, type TestDatabaseKind } from "../../tests/harness/database";
import { seedImage, seedRequest } from "../../tests/harness/seed-rows";
import { checkRedis, createRedisConnection } from "../queue/connection";
import { createProducers, type Producers } from "../queue/producer";
import { publishChainJobIds, reviewCandidate, ReviewError } from "./review";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const LIVE = ["waiting", "prioritized", "delayed", "waiting-children", "paused", "active"];

let connection: Redis;
let producers: Producers;

beforeAll(async () => {
  await checkRedis(REDIS_URL);
  connection = createRedisConnection(REDIS_URL);
  producers = createProducers(connection, `test-${randomUUID()}`);
});

afterAll(async () => {
  for (const key of ["post", "publish"] as const) await producers.queue(key).obliterate({ force: true });
  await producers.close();
  connection.disconnect();
});

/** Whether the image's upscale → publish chain is still going to run. */
async function chainIsLive(candidateId: string): Promise<{ publish: boolean; upscale: boolean }> {
  const ids = publishChainJobIds(candidateId);
  const state = async (queue: "publish" | "post", id: string) => {
    const job = await producers.queue(queue).getJob(id);
    return job ? LIVE.includes(await job.getState()) : false;
  };
  return { publish: await state("publish", ids.publish), upscale: await state("post", ids.upscale) };
}

async function seed(client: PrismaClient, shop: string, count: number, state = "pending"): Promise<string[]> {
  const request = await seedRequest(client, shop);
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push((await seedImage(client, request, state, { seed: i, imageBlobKey: `shops/${shop}/c/${i}.png` })).id);
  return ids;
}

async function withDatabase(kind: TestDatabaseKind, run: (client: PrismaClient) => Promise<void>) {
  const database = await migratedTestDatabase(kind);
  const client = createPrismaClient(database.url);
  try {
    await run(client);
  } finally {
    await client.$disconnect();
    await database.drop();
  }
}

const postgres = await postgresAvailability();
const kinds: Array<[TestDatabaseKind, boolean]> = [
  ["sqlite", true],
  ["postgres", postgres.available],
];

describe.each(kinds)("reviewing an image on %s", (kind, available) => {
  it.skipIf(!available)(
    "rejecting an approved image removes its queued upscale → publish chain; approving again queues it again",
    () =>
      withDatabase(kind, async (client) => {
        const shop = `review-${kind}.myshopify.com`;
        const [id] = await seed(client, shop, 1);
        await reviewCandidate(client, producers, shop, id!, { decision: "approve" });
        expect(await chainIsLive(id!)).toEqual({ publish: true, upscale: true });
        const rejected = await reviewCandidate(client, producers, shop, id!, { decision: "reject" });
        expect(rejected.state).toBe("rejected");
        expect(await chainIsLive(id!)).toEqual({ publish: false, upscale: false });
        const again = await reviewCandidate(client, producers, shop, id!, { decision: "approve" });
        expect(again.state).toBe("approved");
        expect(await chainIsLive(id!)).toEqual({ publish: true, upscale: true });
      }),
  );

  it.skipIf(!available)("an image being upscaled can still be rejected; one being published cannot", () =>
    withDatabase(kind, async (client) => {
      const shop = `review-${kind}.myshopify.com`;
      const [upscaling, publishing, published] = await seed(client, shop, 3);
      for (const [id, state] of [
        [upscaling, "upscaling"],
        [publishing, "publishing"],
        [published, "published"],
      ] as const) {
        await client.candidate.update({ where: { id }, data: { state } });
      }
      expect((await reviewCandidate(client, producers, shop, upscaling!, { decision: "reject" })).state).toBe(
        "rejected",
      );
      for (const id of [publishing!, published!]) {
        await expect(reviewCandidate(client, producers, shop, id, { decision: "reject" })).rejects.toBeInstanceOf(
          ReviewError,
        );
      }
      expect(
        (await client.candidate.findMany({ where: { shop }, orderBy: { seed: "asc" } })).map((c) => c.state),
      ).toEqual(["rejected", "publishing", "published"]);
    }),
  );

  // Two tabs: one approves while the other rejects, in both orders, from "pending" and from "approved".
  it.skipIf(!available)(
    "approve and reject racing end in one consistent state: approved with its chain, or rejected without",
    () =>
      withDatabase(kind, async (client) => {
        const shop = `race-${kind}.myshopify.com`;
        const ids = [...(await seed(client, shop, 12, "pending")), ...(await seed(client, shop, 12, "approved"))];
        const outcomes = await Promise.all(
          ids.map(async (id, i) => {
            const calls = [
              () => reviewCandidate(client, producers, shop, id, { decision: "approve" }),
              () => reviewCandidate(client, producers, shop, id, { decision: "reject" }),
            ];
            if (i % 2) calls.reverse();
            await Promise.all(calls.map((call) => call()));
            const { state } = await client.candidate.findUniqueOrThrow({ where: { id } });
            return { id, state, chain: await chainIsLive(id) };
          }),
        );
        for (const o of outcomes) {
          expect(["approved", "rejected"], o.id).toContain(o.state);
          const live = o.state === "approved";
          expect(o.chain, `${o.id} is ${o.state}`).toEqual({ publish: live, upscale: live });
        }
      }),
  );
});
