// Fault suite, Shopify tokens: expiring offline tokens run out before and during a stage, refresh
// tokens are revoked, a page meets a revoked token, and a shop installed before the migration to
// expiring tokens meets the 2027-01-01 switch. The local store counts the refresh grants.
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { RECONNECT_MESSAGE } from "../../lib/shopify-admin/offline-tokens";
import type { ProcessHandle } from "../harness/stack";
import { faultGroup } from "./fault-case";
import {
  DEMO_SHOP,
  approvableImage,
  approveAndSettle,
  newProduct,
  publishedCopies,
  requestFor,
  runUntil,
  settleCandidate,
  startFaultStack,
  storeProduct,
  waitForEnd,
  waitForStage,
  type FaultStack,
  type StoreProduct,
} from "./helpers";
import { dataUrl, numericId, routePost, STUDIO_ROUTE, studioPost } from "./routes";
import { usageKey } from "../../lib/usage";
import { waitFor } from "../pipeline/helpers";

let fs: FaultStack;
const workers: ProcessHandle[] = [];
let teapot: StoreProduct;

beforeAll(async () => {
  fs = await startFaultStack();
  // Three worker processes, so that concurrent jobs of one shop really race across processes.
  workers.push(await fs.stack.startWorker());
  workers.push(await fs.stack.startWorker({ WORKER_QUEUES: "ingest" }));
  workers.push(await fs.stack.startWorker({ WORKER_QUEUES: "ingest" }));
  teapot = await storeProduct(fs.stack, "Teapot");
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill("SIGKILL")));
  await fs?.close();
});
afterEach(() => {
  control().clearFaults();
  control().configureTokens({ nonExpiring: "accepted" });
});

const faultCase = faultGroup("platform faults", () => fs, { part: "tokens" });
const control = () => fs.stack.store.control;
const refreshes = () => control().tokenRefreshes(DEMO_SHOP);
const offlineSession = () => fs.stack.db.session.findFirstOrThrow({ where: { shop: DEMO_SHOP, isOnline: false } });

/** The shop's access token expired a second ago, at Shopify and in the stored session alike. */
async function expireToken(): Promise<void> {
  control().expireAccessTokens(DEMO_SHOP);
  await fs.stack.db.session.updateMany({
    where: { shop: DEMO_SHOP, isOnline: false },
    data: { expires: new Date(Date.now() - 1000) },
  });
}

/** The request gets through ingest with every photo prepared (then it is cancelled at tune, as the other cases do). */
async function ingestFinishes(product: StoreProduct, generationId: string): Promise<void> {
  const ended = await runUntil(fs, generationId, "tune");
  expect(ended.status, `${product.title}: ${ended.status}: ${ended.error}`).toBe("cancelled");
  const photos = await fs.stack.db.trainingImage.findMany({ where: { subjectId: ended.subjectId } });
  expect(
    photos.map((p) => p.excludedReason ?? "prepared"),
    product.title,
  ).toEqual(Array(4).fill("prepared"));
}

faultCase("access token expired a second ago: the job refreshes it once and finishes", { short: true }, async (ctx) => {
  const product = await newProduct(fs.stack, "Tokens: expired", teapot.photoUrls.slice(0, 4));
  await expireToken();
  const before = refreshes();
  const generation = await requestFor(fs, product, { allowLowDiversity: true });
  ctx.expectRequest(DEMO_SHOP, product.id, product.title);
  await ingestFinishes(product, generation.id);
  expect(refreshes()).toEqual({ refreshed: before.refreshed + 1, refused: before.refused });
  expect((await offlineSession()).expires!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
});

faultCase(
  "five concurrent requests of one shop, its token expired, on three workers → exactly one refresh",
  { timeoutMs: 300_000 },
  async (ctx) => {
    const products: StoreProduct[] = [];
    for (let i = 1; i <= 5; i++)
      products.push(await newProduct(fs.stack, `Tokens: concurrent ${i}`, teapot.photoUrls.slice(0, 4)));
    await expireToken();
    const before = refreshes();
    const generations = await Promise.all(products.map((p) => requestFor(fs, p, { allowLowDiversity: true })));
    for (const p of products) ctx.expectRequest(DEMO_SHOP, p.id, p.title);
    await Promise.all(products.map((p, i) => ingestFinishes(p, generations[i]!.id)));
    expect(refreshes()).toEqual({ refreshed: before.refreshed + 1, refused: before.refused });
  },
);

faultCase(
  "token expiry mid-stage (401 on a token the session still thought valid) → one refresh, the stage goes on",
  {},
  async (ctx) => {
    const product = await newProduct(fs.stack, "Tokens: mid-stage", teapot.photoUrls.slice(0, 4));
    // The product read is held for 2 s; the token expires meanwhile, so Shopify answers it 401.
    control().injectFault({ kind: "delay", ms: 2000 }, { operation: "ProductWithMedia" });
    const before = refreshes();
    const generation = await requestFor(fs, product, { allowLowDiversity: true });
    ctx.expectRequest(DEMO_SHOP, product.id, product.title);
    await waitForStage(fs.stack, generation.id, "ingest");
    control().expireAccessTokens(DEMO_SHOP);
    await ingestFinishes(product, generation.id);
    expect(control().pendingFaults()).toEqual([]);
    expect(refreshes()).toEqual({ refreshed: before.refreshed + 1, refused: before.refused });
  },
);

faultCase(
  "refresh refused (tokens revoked): the work stops with the merchant's fix, no retry loop; opening the app lets a new request finish",
  { timeoutMs: 300_000 },
  async (ctx) => {
    const product = await newProduct(fs.stack, "Tokens: revoked", teapot.photoUrls.slice(0, 4));
    control().revokeTokens(DEMO_SHOP);
    const before = refreshes();
    const failed = await waitForEnd(fs.stack, (await requestFor(fs, product, { allowLowDiversity: true })).id);
    ctx.expectRequest(DEMO_SHOP, product.id, product.title);
    expect([failed.status, failed.error]).toEqual(["failed", RECONNECT_MESSAGE]);
    // One refused refresh, and none after it: the session lost its token, so nothing asks Shopify again.
    await new Promise((r) => setTimeout(r, 3000));
    expect(refreshes()).toEqual({ refreshed: before.refreshed, refused: before.refused + 1 });
    expect((await offlineSession()).accessToken).toBe("");
    const second = await waitForEnd(fs.stack, (await requestFor(fs, teapot, { allowLowDiversity: true })).id);
    expect([second.status, second.error]).toEqual(["failed", RECONNECT_MESSAGE]);
    expect(refreshes().refused).toBe(before.refused + 1);

    // The merchant opens the app: the token exchange stores a fresh session, and a new request finishes.
    const page = await fs.stack.openEmbeddedApp(DEMO_SHOP);
    expect(page.status).toBe(200);
    expect((await offlineSession()).accessToken).not.toBe("");
    await ingestFinishes(product, (await requestFor(fs, product, { allowLowDiversity: true })).id);
  },
);

faultCase(
  "tokens revoked while a request runs: it stops for reconnecting; after reconnecting, one Resume (clicked twice) finishes it from the stopped stage, nothing done twice",
  { timeoutMs: 300_000 },
  async (ctx) => {
    const product = await newProduct(fs.stack, "Tokens: resume", teapot.photoUrls.slice(0, 4));
    const generation = await requestFor(fs, product, { allowLowDiversity: true });
    ctx.expectRequest(DEMO_SHOP, product.id, product.title);
    // Ingest has read the product through the Admin API; the tokens go before tune asks for the plan.
    await waitFor(
      "the photos to be prepared",
      async () => {
        const g = await fs.stack.db.generation.findUniqueOrThrow({ where: { id: generation.id } });
        if (g.status !== "running" && g.status !== "queued") throw new Error(`ended early: ${g.status} ${g.error}`);
        return g.stage === "prepare" || g.stage === "dataset-check" ? g : undefined;
      },
      60_000,
      20,
    );
    control().revokeTokens(DEMO_SHOP);
    const stopped = await waitForEnd(fs.stack, generation.id);
    expect([stopped.status, stopped.error, stopped.stage]).toEqual(["failed", RECONNECT_MESSAGE, "tune"]);
    const photos = () =>
      fs.stack.db.trainingImage.findMany({ where: { subjectId: stopped.subjectId }, orderBy: { id: "asc" } });
    const prepared = await photos();
    expect(prepared.filter((p) => p.preparedBlobKey)).toHaveLength(4);

    // The merchant opens the app: the products page lists the stopped request.
    expect((await fs.stack.openEmbeddedApp(DEMO_SHOP)).status).toBe(200);
    const home = (await (await fs.stack.appFetch(dataUrl("/app", "routes/app._index"))).json()) as {
      stopped: Array<{ id: string; stage: string }>;
    };
    expect(home.stopped).toContainEqual(expect.objectContaining({ id: generation.id, stage: "tune" }));
    const answers = await Promise.all(
      [1, 2].map(async () =>
        (await studioPost(fs.stack, product.id, { intent: "resume", generationId: generation.id })).json(),
      ),
    );
    expect(answers.filter((a: { message?: string }) => a.message?.startsWith("Resumed"))).toHaveLength(1);

    const done = await waitForEnd(fs.stack, generation.id, 240_000);
    expect([done.status, done.error]).toEqual(["succeeded", null]);
    const db = fs.stack.db;
    expect(await db.generation.count({ where: { subjectId: done.subjectId } })).toBe(1);
    expect(await db.candidate.count({ where: { generationId: done.id } })).toBe(1);
    expect(await db.tuningRun.count({ where: { subjectId: done.subjectId } })).toBe(1);
    expect(
      await db.usageRecord.count({
        where: { shop: DEMO_SHOP, kind: "tuned_product", idempotencyKey: { contains: done.tuningRunId! } },
      }),
    ).toBe(1);
    // Ingest and prepare did not run again: the photos are the same rows, untouched.
    expect(await photos()).toEqual(prepared);
    const home2 = (await (await fs.stack.appFetch(dataUrl("/app", "routes/app._index"))).json()) as {
      stopped: Array<{ id: string }>;
    };
    expect(home2.stopped.map((s) => s.id)).not.toContain(generation.id);
  },
);

faultCase(
  "tokens revoked while an approved image is being published: it stops for reconnecting; after reconnecting, one Resume (clicked twice) publishes it once, charged once",
  { timeoutMs: 300_000 },
  async () => {
    // Requests other cases left stopped are not this case's: the products page would resume them too.
    await fs.stack.db.generation.updateMany({
      where: { shop: DEMO_SHOP, status: "failed", error: RECONNECT_MESSAGE },
      data: { cancelRequested: true },
    });
    const { productId, candidateId } = await approvableImage(fs, "Tokens: publishing resumed");
    control().revokeTokens(DEMO_SHOP);
    const stopped = await approveAndSettle(fs, candidateId);
    expect([stopped.state, stopped.error]).toEqual(["failed", RECONNECT_MESSAGE]);
    expect(publishedCopies(fs, productId, candidateId)).toEqual([]);

    // The merchant opens the app: the products page says what stopped, and one Resume (two clicks) restarts it once.
    expect((await fs.stack.openEmbeddedApp(DEMO_SHOP)).status).toBe(200);
    type Home = { stoppedNotice: { title: string; products: string } | null };
    const home = async () => (await (await fs.stack.appFetch(dataUrl("/app", "routes/app._index"))).json()) as Home;
    expect((await home()).stoppedNotice).toEqual({
      title: "Publishing 1 approved image stopped while your store was disconnected",
      products: "Tokens: publishing resumed",
      pronoun: "it",
    });
    const answers = (await Promise.all(
      [1, 2].map(async () => (await routePost(fs.stack, "/app", "routes/app._index", { intent: "resume" })).json()),
    )) as Array<{ message?: string }>;
    expect(answers.map((a) => a.message).sort()).toEqual([
      "Nothing to resume: those requests are already running or were replaced.",
      "Resumed publishing 1 approved image where it stopped.",
    ]);

    const published = await settleCandidate(fs, candidateId, 180_000);
    expect([published.state, published.error]).toEqual(["published", null]);
    expect(publishedCopies(fs, productId, candidateId).map((m) => m.id)).toEqual([published.publishedMediaId]);
    expect(
      await fs.stack.db.usageRecord.count({
        where: { idempotencyKey: usageKey(DEMO_SHOP, "images_published", candidateId) },
      }),
    ).toBe(1);
    expect((await home()).stoppedNotice).toBeNull();
  },
);

faultCase("a page meets a revoked token: it reconnects through the token exchange, not a 500", {}, async () => {
  const studio = () => fs.stack.appFetch(dataUrl(`/app/products/${numericId(teapot.id)}`, STUDIO_ROUTE));
  expect((await studio()).status).toBe(200);
  const revoked = (await offlineSession()).accessToken;
  control().revokeTokens(DEMO_SHOP);
  const response = await studio();
  expect(response.status, await response.clone().text()).toBe(200);
  expect(JSON.stringify(await response.json())).toContain("Teapot");
  const session = await offlineSession();
  expect(session.accessToken).not.toBe(revoked);
  expect(session.refreshToken).toMatch(/^shprt_/);

  // The admin action extension's API route too.
  control().revokeTokens(DEMO_SHOP);
  const preview = await fs.stack.appFetch("/api/scenes/preview", {
    method: "POST",
    body: JSON.stringify({ productIds: [teapot.id] }),
    headers: { "Content-Type": "application/json" },
  });
  expect(preview.status, await preview.clone().text()).toBe(200);
  expect((await offlineSession()).accessToken).not.toBe(session.accessToken);

  // An open tab reloading the app: the library's plan check meets the 401, drops the token and
  // answers with its re-auth flow (out of the iframe to /auth for the shop), not an error or the
  // login form; the next load exchanges a new token.
  control().revokeTokens(DEMO_SHOP);
  const tab = await fs.stack.openEmbeddedApp(DEMO_SHOP);
  expect(tab.status, await tab.clone().text()).toBe(302);
  const location = new URL(tab.headers.get("location")!, fs.stack.appUrl);
  expect(location.pathname).toBe("/auth/exit-iframe");
  expect(new URL(location.searchParams.get("exitIframe") ?? "", fs.stack.appUrl)).toMatchObject({
    pathname: "/auth",
    search: expect.stringContaining(`shop=${DEMO_SHOP}`),
  });
  expect((await fs.stack.openEmbeddedApp(DEMO_SHOP)).status).toBe(200);
});

faultCase(
  "a shop installed before the migration (non-expiring token): the worker migrates it on first use, and it keeps working once non-expiring tokens are refused",
  { timeoutMs: 300_000 },
  async (ctx) => {
    // The session as an install from before the expiring-token flag left it.
    const legacy = control().issueAccessToken(DEMO_SHOP);
    await fs.stack.db.session.updateMany({
      where: { shop: DEMO_SHOP, isOnline: false },
      data: { accessToken: legacy, expires: null, refreshToken: null, refreshTokenExpires: null },
    });
    const first = await newProduct(fs.stack, "Tokens: before the switch", teapot.photoUrls.slice(0, 4));
    ctx.expectRequest(DEMO_SHOP, first.id, first.title);
    await ingestFinishes(first, (await requestFor(fs, first, { allowLowDiversity: true })).id);
    const migrated = await offlineSession();
    expect(migrated.accessToken).not.toBe(legacy);
    expect(migrated.refreshToken).toMatch(/^shprt_/);
    expect(migrated.expires).not.toBeNull();

    control().configureTokens({ nonExpiring: "refused" });
    const second = await newProduct(fs.stack, "Tokens: after the switch", teapot.photoUrls.slice(0, 4));
    ctx.expectRequest(DEMO_SHOP, second.id, second.title);
    await ingestFinishes(second, (await requestFor(fs, second, { allowLowDiversity: true })).id);
    expect((await fs.stack.openEmbeddedApp(DEMO_SHOP)).status).toBe(200);
  },
);
