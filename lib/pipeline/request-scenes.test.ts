import type { FlowProducer } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dbAndQueues, type DbAndQueues } from "../../tests/harness/queue-fixture";
import { createPrismaClient, type PrismaClient } from "../db";
import { migratedTestDatabase, postgresAvailability, type TestDatabaseKind } from "../../tests/harness/database";
import { createProducerConnection, isRedisUnavailable } from "../queue/connection";
import { freePort } from "../../tests/harness/free-port";
import type { Producers } from "../queue/producer";
import { createBrandPreset } from "../brand-presets";
import {
  parseGenerationScenes,
  requestScenes,
  requestScenesBatch,
  SceneRequestError,
  type SceneRequest,
} from "./request-scenes";
import { PIPELINE_STAGES, stageJobId } from "./stages";
import { spendingStatus } from "../billing/spending";
import { PRICES_USD } from "../usage";

const SHOP = "batch-shop.myshopify.com";

let fixture: DbAndQueues;
let client: PrismaClient;
let producers: Producers;

function request(n: number, overrides: Partial<SceneRequest> = {}): SceneRequest {
  return {
    shop: SHOP,
    product: { id: `gid://shopify/Product/${n}`, title: `Teapot ${n}`, productType: "teapot" },
    sceneIds: ["g7", "s18"],
    imagesPerScene: 2,
    source: "bulk",
    ...overrides,
  };
}

beforeAll(async () => {
  fixture = await dbAndQueues();
  ({ client, producers } = fixture);
});
afterAll(() => fixture?.close());

describe("requestScenesBatch", () => {
  it("starts each product once, in order, with rising priorities, and refuses bad requests with their reason", async () => {
    const outcomes = await requestScenesBatch(client, producers, [
      request(1),
      request(2, { imagesPerScene: 99 }),
      request(3),
      request(1),
      request(4, { sceneIds: [] }),
    ]);
    expect(outcomes.map((o) => (o.ok ? (o.created ? "created" : "existing") : "refused"))).toEqual([
      "created",
      "refused",
      "created",
      "existing",
      "refused",
    ]);
    expect(!outcomes[1]!.ok && outcomes[1]!.error).toBeInstanceOf(SceneRequestError);
    expect(!outcomes[4]!.ok && outcomes[4]!.error.message).toBe("Pick at least one scene.");
    const first = outcomes[0]!.ok ? outcomes[0]!.generation : undefined;
    const third = outcomes[2]!.ok ? outcomes[2]!.generation : undefined;
    expect(outcomes[3]!.ok && outcomes[3]!.generation.id).toBe(first!.id);
    expect(third!.priority).toBeGreaterThan(first!.priority);

    // Each new request has its rows and its whole chain of stage jobs, with retries and backoff.
    const subjects = await client.subject.findMany({ where: { shop: SHOP }, orderBy: { productId: "asc" } });
    expect(subjects.map((s) => [s.productId, s.state])).toEqual([
      ["gid://shopify/Product/1", "checking"],
      ["gid://shopify/Product/3", "checking"],
    ]);
    for (const generation of [first!, third!]) {
      for (const stage of PIPELINE_STAGES) {
        const job = await producers.queue(stage.queue).getJob(stageJobId(generation.id, stage.name));
        expect(job, `${stage.name} of ${generation.id}`).toBeDefined();
        expect(job!.opts.attempts).toBe(3);
        expect(job!.opts.backoff).toEqual({ type: "exponential", delay: 5_000 });
        expect(job!.opts.priority).toBe(generation.priority);
      }
    }
  });

  it("hands back the open request of a product instead of starting a second one", async () => {
    const again = await requestScenesBatch(client, producers, [request(3), request(5)]);
    const open = await client.generation.findMany({
      where: { shop: SHOP, subject: { productId: "gid://shopify/Product/3" } },
    });
    expect(open).toHaveLength(1);
    expect(again[0]).toMatchObject({ ok: true, created: false, generation: { id: open[0]!.id } });
    expect(again[1]).toMatchObject({ ok: true, created: true });
  });

  it("marks the new requests failed with the reason when the queue refuses them, and leaves none queued without a flow", async () => {
    const refusing: Producers = {
      ...producers,
      flows: { addBulk: () => Promise.reject(new Error("connection lost")) } as unknown as FlowProducer,
    };
    await expect(requestScenesBatch(client, refusing, [request(6), request(7)])).rejects.toThrow("connection lost");
    const rows = await client.generation.findMany({
      where: { shop: SHOP, subject: { productId: { in: ["gid://shopify/Product/6", "gid://shopify/Product/7"] } } },
    });
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.status).toBe("failed");
      expect(row.error).toMatch(/could not be queued/);
    }
    // A later try starts them afresh.
    const retried = await requestScenesBatch(client, producers, [request(6)]);
    expect(retried[0]).toMatchObject({ ok: true, created: true });
  });

  it("writes nothing when Redis does not answer, and says so with an 'unavailable' error", async () => {
    const nowhere = createProducerConnection(`redis://127.0.0.1:${await freePort()}`, 300);
    try {
      const down: Producers = { ...producers, ping: () => nowhere.ping() };
      const error = await requestScenesBatch(client, down, [request(11)]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isRedisUnavailable(error)).toBe(true);
      const product = "gid://shopify/Product/11";
      expect(await client.generation.count({ where: { shop: SHOP, subject: { productId: product } } })).toBe(0);
      expect(await client.subject.count({ where: { shop: SHOP, productId: product } })).toBe(0);
    } finally {
      nowhere.disconnect();
    }
  });

  it("requestScenes throws the merchant's reason for a single refused request", async () => {
    await expect(requestScenes(client, producers, request(8, { classNoun: "" }))).rejects.toBeInstanceOf(
      SceneRequestError,
    );
  });

  it("refuses what no longer fits in the shop's daily image limit, in order, and queues nothing of it", async () => {
    const shop = "daily-limit.myshopify.com";
    const limited = (n: number) => request(n, { shop }); // 2 scenes × 2 images
    const limits = { dailyImageLimit: 10 };
    const outcomes = await requestScenesBatch(client, producers, [limited(20), limited(21), limited(22)], limits);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false]);
    const refusal = !outcomes[2]!.ok ? outcomes[2]!.error : undefined;
    expect(refusal).toBeInstanceOf(SceneRequestError);
    expect(refusal!.message).toMatch(
      /^You've generated 8 images today, of 10 a day; this request needs 4 and 2 are left\. .*the limit resets at 00:00 UTC on \w+ \d+\.$/,
    );
    const rows = await client.generation.findMany({ where: { shop }, include: { subject: true } });
    expect(rows.map((g) => g.subject.productId).sort()).toEqual([
      "gid://shopify/Product/20",
      "gid://shopify/Product/21",
    ]);
    expect(await client.usageRecord.count({ where: { shop } })).toBe(0);
    const open = await producers.queue("ingest").getJobs(["waiting", "prioritized", "waiting-children", "delayed"]);
    expect(open.filter((j) => j.data.shop === shop && j.name === "ingest")).toHaveLength(2);

    // A request that ends early gives back the images it did not make; the count starts again at midnight UTC.
    await client.generation.update({ where: { id: rows[0]!.id }, data: { status: "cancelled" } });
    expect(await requestScenesBatch(client, producers, [limited(22)], limits)).toMatchObject([{ ok: true }]);
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
    expect(await requestScenesBatch(client, producers, [limited(23)], limits)).toMatchObject([{ ok: false }]);
    expect(await requestScenesBatch(client, producers, [limited(23)], { ...limits, now: tomorrow })).toMatchObject([
      { ok: true },
    ]);
  });

  it("copies a brand preset's words into the request; another shop's preset or a deleted one is refused", async () => {
    const preset = await createBrandPreset(client, SHOP, {
      name: "Counter",
      kind: "specific",
      text: "on our oak counter",
    });
    const theirs = await createBrandPreset(client, "other-shop.myshopify.com", {
      name: "Theirs",
      kind: "general",
      text: "on their marble shelf",
    });
    const outcomes = await requestScenesBatch(client, producers, [
      request(30, { sceneIds: ["white-seamless-g", preset.id] }),
      request(31, { sceneIds: [theirs.id] }),
    ]);
    const scenes = outcomes[0]!.ok ? parseGenerationScenes(outcomes[0]!.generation.scenes) : [];
    expect(scenes.map((s) => [s.id, s.kind, s.prompt])).toEqual([
      ["white-seamless-g", "general", "a teapot <myteapot> on a white seamless backdrop"],
      [preset.id, "specific", "a teapot <myteapot> on our oak counter"],
    ]);
    expect(!outcomes[1]!.ok && outcomes[1]!.error.message).toMatch(/brand presets picked was deleted/);
    expect(await client.subject.count({ where: { productId: "gid://shopify/Product/31" } })).toBe(0);
  });

  it("leaves out library scenes that do not suit the product in bulk and automatic requests, not in the studio", async () => {
    const sofa = { title: "Linen sofa", productType: "Sofas" };
    const ids = ["kitchen-g", "living-room-s", "g3"];
    const [bulk, studio, nothingLeft] = await requestScenesBatch(client, producers, [
      request(40, { product: { id: "gid://shopify/Product/40", ...sofa }, sceneIds: ids }),
      request(41, { product: { id: "gid://shopify/Product/41", ...sofa }, sceneIds: ids, source: "interactive" }),
      request(42, { product: { id: "gid://shopify/Product/42", ...sofa }, sceneIds: ["kitchen-g", "desk-s"] }),
    ]);
    const idsOf = (o: typeof bulk) => (o!.ok ? parseGenerationScenes(o!.generation.scenes).map((s) => s.id) : null);
    expect(idsOf(bulk)).toEqual(["living-room-s", "g3"]);
    expect(idsOf(studio)).toEqual(ids);
    expect(!nothingLeft!.ok && nothingLeft!.error.message).toMatch(/^None of the default scenes suits “sofas”/);
  });

  it("exact-product modes: both count twice the images; exact only is the fast lane, with no tune job and no tuning price held", async () => {
    const shop = "modes-shop.myshopify.com";
    const outcomes = await requestScenesBatch(
      client,
      producers,
      [
        request(30, { shop, options: { modes: ["exact", "tuned"] } }),
        request(31, { shop, options: { modes: ["exact"] } }),
        request(32, { shop, options: { modes: ["inpaint" as "exact"] } }),
      ],
      { dailyImageLimit: 12 },
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false]);
    expect(!outcomes[2]!.ok && outcomes[2]!.error.message).toMatch(/^Unknown image mode/);
    const [both, fast] = outcomes.map((o) => (o.ok ? o.generation : undefined));
    expect([both!.lane, JSON.parse(both!.options).modes]).toEqual(["tuned", ["tuned", "exact"]]);
    expect([fast!.lane, JSON.parse(fast!.options).modes]).toEqual(["fast", ["exact"]]);

    // The fast lane's chain skips tune: generate waits on the dataset check, and knows its lane.
    for (const stage of PIPELINE_STAGES) {
      const job = await producers.queue(stage.queue).getJob(stageJobId(fast!.id, stage.name));
      expect(job === undefined, stage.name).toBe(stage.name === "tune");
    }
    const generate = (await producers.queue("gpu").getJob(stageJobId(fast!.id, "generate")))!;
    expect(generate.data.lane).toBe("fast");
    expect((await generate.getDependencies()).unprocessed).toEqual([
      expect.stringMatching(new RegExp(`:${stageJobId(fast!.id, "dataset-check")}$`)),
    ]);
    expect(await producers.queue("gpu").getJob(stageJobId(both!.id, "tune"))).toBeDefined();

    // 2 scenes × 2 images × 2 modes + 2 × 2 of the fast lane: the day's 12 are taken.
    expect(await requestScenesBatch(client, producers, [request(33, { shop })], { dailyImageLimit: 12 })).toMatchObject(
      [{ ok: false }],
    );
    // Only the request that tunes holds a tuned product's price under the caps.
    const plan = {
      subscriptionId: "s",
      lineItemId: "l",
      name: "p",
      test: true,
      cappedAmountUsd: 100,
      balanceUsedUsd: 0,
      currentPeriodEnd: null,
    };
    expect((await spendingStatus(client, shop, plan)).reservedUsd).toBe(PRICES_USD.tuned_product);
  });

  it("refuses a batch that mixes shops", async () => {
    await expect(
      requestScenesBatch(client, producers, [request(9), request(10, { shop: "other-shop.myshopify.com" })]),
    ).rejects.toThrow(/same shop/);
  });
});

// A double-click, a bulk action and a products/update webhook can ask for the same product at the
// same moment, each in its own process: on PostgreSQL their transactions run side by side.
async function concurrentRequests(kind: TestDatabaseKind) {
  const database = await migratedTestDatabase(kind);
  const db = createPrismaClient(database.url);
  try {
    const shop = `race-${kind}.myshopify.com`;
    const same = (n: number): SceneRequest => ({ ...request(n), shop, source: "interactive" });
    // A product seen for the first time (no subject yet), then one whose last request has finished.
    for (const round of ["new product", "product with a finished request"]) {
      const outcomes = await Promise.all(Array.from({ length: 6 }, () => requestScenes(db, producers, same(1))));
      const generations = await db.generation.findMany({ where: { shop, status: { in: ["queued", "running"] } } });
      expect(generations, round).toHaveLength(1);
      expect(
        outcomes.map((o) => o.generation.id),
        round,
      ).toEqual(Array(6).fill(generations[0]!.id));
      expect(
        outcomes.filter((o) => o.created),
        round,
      ).toHaveLength(1);
      expect(await db.subject.count({ where: { shop } }), round).toBe(1);
      await db.generation.updateMany({ where: { shop }, data: { status: "succeeded" } });
    }

    // Two requests for different products with room for one: one starts, the other is refused.
    const limited = `limit-${kind}.myshopify.com`;
    const tight = (n: number) =>
      requestScenesBatch(db, producers, [{ ...request(n), shop: limited }], { dailyImageLimit: 6 });
    const pair = await Promise.all([tight(1), tight(2)]);
    expect(pair.map(([o]) => o!.ok).sort()).toEqual([false, true]);
    expect(await db.generation.count({ where: { shop: limited } })).toBe(1);
  } finally {
    await db.$disconnect();
    await database.drop();
  }
}

const postgres = await postgresAvailability();
describe("concurrent requests for one product", () => {
  it("on SQLite: one request, shared by all", () => concurrentRequests("sqlite"));
  it.skipIf(!postgres.available)(
    `on PostgreSQL: one request, shared by all${postgres.skipReason ? ` (${postgres.skipReason})` : ""}`,
    () => concurrentRequests("postgres"),
  );
});
