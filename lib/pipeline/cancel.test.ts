import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dbAndQueues, type DbAndQueues } from "../../tests/harness/queue-fixture";
import { cancelBulkRun, NotFoundError } from "./cancel";
import { requestScenesBatch, type SceneRequest } from "./request-scenes";
import { stageJobId } from "./stages";

const SHOP = "bulk-run.myshopify.com";
const OTHER = "other-run.myshopify.com";

let fixture: DbAndQueues;

const request = (shop: string, n: number, bulkRunId: string): SceneRequest => ({
  shop,
  product: { id: `gid://shopify/Product/${n}`, title: `Vase ${n}`, productType: "vase" },
  sceneIds: ["g7"],
  imagesPerScene: 1,
  source: "bulk",
  bulkRunId,
});

beforeAll(async () => {
  fixture = await dbAndQueues();
});
afterAll(() => fixture?.close());

describe("cancelling a bulk run", () => {
  it("cancels every open request of the run at once and leaves finished ones, other runs and other shops alone", async () => {
    const { client, producers } = fixture;
    const run = await requestScenesBatch(
      client,
      producers,
      [1, 2, 3].map((n) => request(SHOP, n, "run-a")),
    );
    const other = await requestScenesBatch(client, producers, [request(SHOP, 4, "run-b")]);
    const otherShop = await requestScenesBatch(client, producers, [request(OTHER, 1, "run-a")]);
    const ids = run.map((o) => (o.ok ? o.generation.id : ""));
    // One of the run finished before the cancel: it stays as it is.
    await client.generation.update({ where: { id: ids[2] }, data: { status: "succeeded" } });
    await producers.queue("post").remove(stageJobId(ids[2]!, "score"), { removeChildren: true });

    expect(await cancelBulkRun(client, producers, SHOP, "run-a")).toBe(2);

    const rows = await client.generation.findMany({ where: { id: { in: ids } }, orderBy: { createdAt: "asc" } });
    expect(Object.fromEntries(rows.map((g) => [g.id, g.status]))).toEqual({
      [ids[0]!]: "cancelled",
      [ids[1]!]: "cancelled",
      [ids[2]!]: "succeeded",
    });
    // Their queued stages are gone: nothing of them will run (or be charged).
    for (const id of ids.slice(0, 2))
      expect(await producers.queue("ingest").getJob(stageJobId(id, "ingest"))).toBeUndefined();
    const untouched = [other[0]!, otherShop[0]!].map((o) => (o.ok ? o.generation.id : ""));
    expect((await client.generation.findMany({ where: { id: { in: untouched } } })).map((g) => g.status)).toEqual([
      "queued",
      "queued",
    ]);
    // Cancelling again has nothing left to do; another shop cannot name this shop's run.
    expect(await cancelBulkRun(client, producers, SHOP, "run-a")).toBe(0);
    await expect(cancelBulkRun(client, producers, "third.myshopify.com", "run-b")).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
