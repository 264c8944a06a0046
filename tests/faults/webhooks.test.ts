// Fault suite, platform faults around webhooks: Shopify retries an app/uninstalled hours later,
// after the merchant installed the app again; a product webhook must be answered within Shopify's
// 5 s without the Admin API (the worker asks it afterwards); shop/redact reaches the work folders of
// every GPU host. The worker consumes the publish queue (where shop events go) and the gpu queue (to
// hear shop purges), not ingest, so the requests made here stay queued and are audited as such.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { workDirPurgeAcks } from "../../lib/lifecycle";
import type { ProcessHandle } from "../harness/stack";
import { waitFor } from "../pipeline/helpers";
import { deliverWebhook, shopProducts } from "../platform/helpers";
import { faultGroup } from "./fault-case";
import { DEMO_SHOP, OTHER_SHOP, requestFor, startFaultStack, storeProduct, type FaultStack } from "./helpers";

let fs: FaultStack;
let worker: ProcessHandle;
/** The GPU hosts' work folders: a/ is the worker's; b/ and c/ those of hosts started by a case. */
let workRoot: string;
const workDir = (host: string) => path.join(workRoot, host);

beforeAll(async () => {
  workRoot = await mkdtemp(path.join(os.tmpdir(), "scenebooth-work-"));
  fs = await startFaultStack();
  worker = await fs.stack.startWorker({ WORKER_QUEUES: "publish,gpu", SCENEBOOTH_WORK_DIR: workDir("a") });
}, 180_000);
afterAll(async () => {
  await worker?.kill("SIGKILL");
  await fs?.close();
  if (workRoot) await rm(workRoot, { recursive: true, force: true });
});

const faultCase = faultGroup("platform faults", () => fs, { part: "webhooks" });
const control = () => fs.stack.store.control;

async function shopEventsHandled() {
  const queue = fs.producers.queue("publish");
  await waitFor(
    "the queued shop events to be handled",
    async () => {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized", "paused");
      return Object.values(counts).every((n) => n === 0) ? true : undefined;
    },
    60_000,
  );
}

faultCase(
  "late app/uninstalled retry after the merchant installed again → nothing of the new install deleted",
  { short: true },
  async (ctx) => {
    control().uninstall(OTHER_SHOP);
    await control().webhooksSettled();
    const uninstall = control()
      .webhookEvents()
      .filter((e) => e.topic === "app/uninstalled" && e.shop === OTHER_SHOP)
      .at(-1)!;
    await shopEventsHandled();
    expect(await fs.stack.db.session.count({ where: { shop: OTHER_SHOP } })).toBe(0);

    // Installed again; the new install has settings and a request in progress.
    await fs.stack.installShop(OTHER_SHOP, { plan: false });
    await fs.stack.db.shop.upsert({
      where: { shop: OTHER_SHOP },
      create: { shop: OTHER_SHOP, autoGenerate: true },
      update: { autoGenerate: true },
    });
    const product = (await shopProducts(fs.stack, OTHER_SHOP)).find((p) => p.photos >= 3)!;
    const generation = await requestFor(fs, await storeProduct(fs.stack, product.title, OTHER_SHOP), {
      shop: OTHER_SHOP,
    });
    ctx.expectRequest(OTHER_SHOP, product.id, product.title);

    // Shopify's retry of the first delivery: same event id, same trigger time, hours later.
    const retry = await deliverWebhook(fs.stack, {
      path: "/webhooks/app/uninstalled",
      topic: "app/uninstalled",
      shop: OTHER_SHOP,
      body: uninstall.body,
      eventId: uninstall.eventId,
      triggeredAt: uninstall.triggeredAt,
    });
    expect(retry.status).toBe(200);
    await shopEventsHandled();
    expect(await fs.stack.db.session.count({ where: { shop: OTHER_SHOP } })).toBe(1);
    expect(await fs.stack.db.shop.findUnique({ where: { shop: OTHER_SHOP } })).toMatchObject({ autoGenerate: true });
    expect(await fs.stack.db.generation.findUnique({ where: { id: generation.id } })).toMatchObject({
      status: "queued",
    });
  },
);

faultCase(
  "products/create answered without any Admin API call (the worker reads the plan afterwards) → 1 request",
  { short: true },
  async (ctx) => {
    await fs.stack.db.shop.upsert({
      where: { shop: DEMO_SHOP },
      create: { shop: DEMO_SHOP, autoGenerate: true },
      update: { autoGenerate: true },
    });
    const teapot = await storeProduct(fs.stack, "Teapot");
    const body = JSON.stringify({
      admin_graphql_api_id: teapot.id,
      title: teapot.title,
      product_type: "teapot",
      status: "active",
      media: teapot.photoUrls.map(() => ({ media_content_type: "IMAGE", status: "ready" })),
    });
    const queue = fs.producers.queue("publish");
    await queue.pause();
    try {
      const before = control().requestsFor(DEMO_SHOP);
      const answer = await deliverWebhook(fs.stack, {
        path: "/webhooks/products",
        topic: "products/create",
        shop: DEMO_SHOP,
        body,
      });
      expect(answer.status).toBe(200);
      expect(control().requestsFor(DEMO_SHOP) - before, "Admin API requests while answering the webhook").toBe(0);
    } finally {
      await queue.resume();
    }
    await shopEventsHandled();
    ctx.expectRequest(DEMO_SHOP, teapot.id, teapot.title);
    expect(await fs.stack.db.generation.count({ where: { shop: DEMO_SHOP, subject: { productId: teapot.id } } })).toBe(
      1,
    );
  },
);

/** Files a GPU stage would have left for a subject on a host. */
async function workFiles(host: string, shop: string, subject: string): Promise<string> {
  const dir = path.join(workDir(host), shop, subject);
  await mkdir(path.join(dir, "0123456789abcdef", "photos"), { recursive: true });
  await writeFile(path.join(dir, "0123456789abcdef", "photos", "p.png"), "photo");
  return dir;
}

faultCase(
  "shop/redact reaches every GPU worker's work folder (each host acknowledges); a host that was down purges when it starts",
  { short: true, timeoutMs: 120_000 },
  async () => {
    const hostB = await fs.stack.startWorker({ WORKER_QUEUES: "gpu", SCENEBOOTH_WORK_DIR: workDir("b") });
    try {
      const onA = await workFiles("a", OTHER_SHOP, "subject-1");
      const onB = await workFiles("b", OTHER_SHOP, "subject-2");
      const onC = await workFiles("c", OTHER_SHOP, "subject-3");
      const demoOnA = await workFiles("a", DEMO_SHOP, "another-shops-subject");

      const since = Date.now();
      control().compliance("shop/redact", OTHER_SHOP);
      await control().webhooksSettled();
      const acks = await waitFor(
        "both running GPU hosts to acknowledge the purge",
        async () => {
          // The first case's uninstall purged too: only this purge's acknowledgements count.
          const hosts = Object.entries(await workDirPurgeAcks(fs.producers, OTHER_SHOP))
            .filter(([, ack]) => Date.parse(ack.at) >= since)
            .map(([host]) => host);
          return hosts.length >= 2 ? hosts : undefined;
        },
        30_000,
        100,
      );
      expect(acks.map((host) => host.slice(host.indexOf(":") + 1)).sort()).toEqual([workDir("a"), workDir("b")]);
      expect([existsSync(onA), existsSync(onB), existsSync(path.join(workDir("a"), OTHER_SHOP))]).toEqual([
        false,
        false,
        false,
      ]);
      expect(existsSync(demoOnA), "the demo shop's work folder").toBe(true);

      // Host C was down during the message: its start-up sweep removes the shop that is no longer installed.
      expect(existsSync(onC)).toBe(true);
      const hostC = await fs.stack.startWorker({ WORKER_QUEUES: "gpu", SCENEBOOTH_WORK_DIR: workDir("c") });
      try {
        await waitFor(
          "host C to remove the shop's folder",
          async () => (existsSync(path.join(workDir("c"), OTHER_SHOP)) ? undefined : true),
          30_000,
          100,
        );
      } finally {
        await hostC.kill("SIGKILL");
      }
    } finally {
      await hostB.kill("SIGKILL");
    }
  },
);

// Deliveries Shopify signs for a shop that never installed SceneBooth (or whose data is long gone):
// answered, and nothing is recorded for them; the mandatory compliance topics are answered too.
const NEVER_INSTALLED = "never-installed.myshopify.com";

faultCase(
  "signed webhooks from a shop that never installed → 200 and no rows for it; its compliance webhooks → 200",
  {},
  async () => {
    const product = { admin_graphql_api_id: "gid://shopify/Product/424242", title: "Stranger", status: "active" };
    const deliveries = [
      { path: "/webhooks/products", topic: "products/create", body: JSON.stringify(product) },
      { path: "/webhooks/products", topic: "products/update", body: JSON.stringify(product) },
      {
        path: "/webhooks/bulk_operations/finish",
        topic: "bulk_operations/finish",
        body: JSON.stringify({ admin_graphql_api_id: "gid://shopify/BulkOperation/77", status: "completed" }),
      },
      { path: "/webhooks/products/delete", topic: "products/delete", body: JSON.stringify({ id: 424242 }) },
      { path: "/webhooks/app/uninstalled", topic: "app/uninstalled", body: JSON.stringify({}) },
    ];
    const compliance = [
      { path: "/webhooks/compliance", topic: "customers/data_request", body: JSON.stringify({ customer: { id: 1 } }) },
      { path: "/webhooks/compliance", topic: "customers/redact", body: JSON.stringify({ customer: { id: 1 } }) },
      { path: "/webhooks/compliance", topic: "shop/redact", body: JSON.stringify({ shop_domain: NEVER_INSTALLED }) },
    ];
    const deliver = async (list: typeof deliveries) => {
      const statuses = [];
      for (const d of list)
        statuses.push(`${d.topic} ${(await deliverWebhook(fs.stack, { ...d, shop: NEVER_INSTALLED })).status}`);
      return statuses;
    };
    expect(await deliver(deliveries)).toEqual(deliveries.map((d) => `${d.topic} 200`));
    // Counted before shop/redact, which would delete whatever they left.
    expect(await fs.stack.db.webhookEvent.count({ where: { shop: NEVER_INSTALLED } })).toBe(0);
    expect(await fs.stack.db.shop.count({ where: { shop: NEVER_INSTALLED } })).toBe(0);
    expect(await deliver(compliance)).toEqual(compliance.map((d) => `${d.topic} 200`));
  },
);

faultCase("a signed webhook naming a malformed shop domain → 400, nothing recorded", {}, async () => {
  const body = JSON.stringify({ admin_graphql_api_id: "gid://shopify/Product/1", title: "x", status: "active" });
  const answers = [];
  for (const shop of ["not a shop", "evil.example.com", "UPPER.myshopify.com"]) {
    for (const [path, topic] of [
      ["/webhooks/products", "products/create"],
      ["/webhooks/compliance", "shop/redact"],
    ] as const) {
      const answer = await deliverWebhook(fs.stack, { path, topic, shop, body });
      answers.push(
        `${shop} ${topic} ${answer.status} ${(await answer.text()).includes("    at ") ? "stack" : ""}`.trim(),
      );
    }
  }
  expect(answers).toEqual([
    "not a shop products/create 400",
    "not a shop shop/redact 400",
    "evil.example.com products/create 400",
    "evil.example.com shop/redact 400",
    "UPPER.myshopify.com products/create 400",
    "UPPER.myshopify.com shop/redact 400",
  ]);
  expect(await fs.stack.db.webhookEvent.count({ where: { shop: { not: { endsWith: ".myshopify.com" } } } })).toBe(0);
});
