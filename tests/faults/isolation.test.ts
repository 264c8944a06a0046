// Fault suite, isolation: every app route, API route and job given the demo shop's ids while acting
// for the other shop answers "not found" and reads nothing; no signed blob URL of one shop opens
// another shop's blob. A probe that answers with the demo shop's data counts as a cross-shop read.
import { afterAll, beforeAll, expect } from "vitest";
import { createBrandPreset } from "../../lib/brand-presets";
import { presetRowId } from "../../lib/scenes";
import { blobKey, signBlobKey } from "../../lib/storage";
import { BROWSER_USER_AGENT, type ProcessHandle } from "../harness/stack";
import { seedReviewedProduct } from "../browser/seed-candidates";
import { extensionPost } from "../platform/helpers";
import { faultGroup, type FaultContext } from "./fault-case";
import { DEMO_SHOP, OTHER_SHOP, startFaultStack, storeProduct, type FaultStack, type StoreProduct } from "./helpers";
import { STUDIO_ROUTE, dataUrl, numericId, routePost } from "./routes";
import { waitFor } from "../pipeline/helpers";

let fs: FaultStack;
let worker: ProcessHandle;
let demoTeapot: StoreProduct;
let otherTeapot: StoreProduct;
let demo: { subjectId: string; generationId: string; candidateIds: string[] };
let demoMediaId: string;

beforeAll(async () => {
  fs = await startFaultStack();
  worker = await fs.stack.startWorker();
  demoTeapot = await storeProduct(fs.stack, "Teapot", DEMO_SHOP);
  otherTeapot = await storeProduct(fs.stack, "Teapot (other shop)", OTHER_SHOP);
  demoMediaId = fs.stack.store.control.productMedia(DEMO_SHOP, demoTeapot.id)[0]!.id;
  demo = await seedReviewedProduct(fs.stack, DEMO_SHOP, demoTeapot, "teapot", [
    { sceneId: "g7", scores: { dino: 0.6, clipI: 0.8, clipT: 0.3, itm: 0.95, itc: 0.4 }, selected: true },
    { sceneId: "s18", scores: { dino: 0.5, clipI: 0.7, clipT: 0.3, itm: 0.5, itc: 0.3 }, selected: false },
  ]);
});
afterAll(async () => {
  await worker?.kill("SIGKILL");
  await fs?.close();
});

const faultCase = faultGroup("isolation", () => fs);

/** The demo shop's ids and the words its data would show: any of them in an answer to the other shop is a cross-shop read. */
const demoMarkers = () => [
  demo.subjectId,
  demo.generationId,
  ...demo.candidateIds,
  demoMediaId,
  `shops/${DEMO_SHOP}`,
  demoTeapot.id,
];

/** Checks one answer to the other shop; ids the probe itself sent may come back (an error naming them), others may not. */
async function probe(
  ctx: FaultContext,
  what: string,
  response: Response,
  expected: number[] = [404],
  sent: string[] = [],
) {
  const body = await response.text();
  const leaked = demoMarkers().filter((m) => !sent.includes(m) && body.includes(m));
  if (leaked.length > 0)
    ctx.crossShopRead(`${what} answered ${response.status} with the demo shop's ${leaked.join(", ")}`);
  expect(expected, `${what}: HTTP ${response.status} ${body.slice(0, 200)}`).toContain(response.status);
}

/** The demo shop's rows, unchanged by anything the other shop did. */
async function demoUnchanged() {
  const candidates = await fs.stack.db.candidate.findMany({
    where: { shop: DEMO_SHOP, generationId: demo.generationId },
    orderBy: { id: "asc" },
  });
  expect(candidates.map((c) => [c.state, c.ratingSubject, c.ratingScene, c.publishedMediaId])).toEqual(
    candidates.map(() => ["pending", null, null, null]),
  );
  const generation = await fs.stack.db.generation.findUniqueOrThrow({ where: { id: demo.generationId } });
  expect([generation.status, generation.cancelRequested]).toEqual(["succeeded", false]);
  expect(
    fs.stack.store.control.productMedia(DEMO_SHOP, demoTeapot.id).filter((m) => m.filename.startsWith("scenebooth-")),
  ).toEqual([]);
  expect(await fs.stack.db.generation.count({ where: { shop: OTHER_SHOP } })).toBe(0);
}

const get = (path: string, route: string) => fs.stack.appFetch(dataUrl(path, route), { shop: OTHER_SHOP });

faultCase("studio pages and polling with the demo shop's product id", { short: true }, async (ctx) => {
  const path = `/app/products/${numericId(demoTeapot.id)}`;
  await probe(ctx, "studio", await get(path, STUDIO_ROUTE));
  // The progress poll reads the database only: another shop's product has no rows here, so it answers empty.
  await probe(ctx, "progress", await get(`${path}/progress`, "routes/app.products.$id.progress"), [200, 404]);
  await probe(
    ctx,
    "photo check",
    await get(`${path}/photo-check?mediaId=${encodeURIComponent(demoMediaId)}`, "routes/app.products.$id.photo-check"),
  );
  await probe(
    ctx,
    "photo check of the demo shop's photo on the other shop's product",
    await get(
      `/app/products/${numericId(otherTeapot.id)}/photo-check?mediaId=${encodeURIComponent(demoMediaId)}`,
      "routes/app.products.$id.photo-check",
    ),
  );
  await demoUnchanged();
});

faultCase("studio actions with the demo shop's product, request, image and photo ids", { short: true }, async (ctx) => {
  const demoPath = `/app/products/${numericId(demoTeapot.id)}`;
  const ownPath = `/app/products/${numericId(otherTeapot.id)}`;
  const otherMedia = fs.stack.store.control.productMedia(OTHER_SHOP, otherTeapot.id).map((m) => m.id);
  const posts: Array<[string, string, Record<string, string | string[]>]> = [
    [
      "start on the demo product",
      demoPath,
      { intent: "start", imagesPerScene: "1", sceneId: "g7", mediaId: demoMediaId, classNoun: "teapot" },
    ],
    [
      "start with the demo shop's photo",
      ownPath,
      {
        intent: "start",
        imagesPerScene: "1",
        sceneId: "g7",
        mediaId: [...otherMedia, demoMediaId],
        classNoun: "teapot",
      },
    ],
    ["cancel the demo request", ownPath, { intent: "cancel", generationId: demo.generationId }],
    ["cancel through the demo product", demoPath, { intent: "cancel", generationId: demo.generationId }],
    [
      "review a demo image",
      ownPath,
      { intent: "review", candidateId: demo.candidateIds[0]!, decision: "approve", ratingSubject: "5" },
    ],
    [
      "rate a demo image through the demo product",
      demoPath,
      { intent: "review", candidateId: demo.candidateIds[1]!, ratingScene: "1" },
    ],
    ["approve demo images together", ownPath, { intent: "approve-many", candidateId: demo.candidateIds }],
    [
      "remove a demo image from the product",
      ownPath,
      { intent: "remove-published", candidateId: demo.candidateIds[0]! },
    ],
    ["feature a demo image", demoPath, { intent: "feature-published", candidateId: demo.candidateIds[0]! }],
    ["publish a demo image again", ownPath, { intent: "republish", candidateId: demo.candidateIds[1]! }],
  ];
  for (const [what, path, fields] of posts)
    await probe(
      ctx,
      what,
      await routePost(fs.stack, path, STUDIO_ROUTE, fields, OTHER_SHOP),
      [404],
      Object.values(fields).flat(),
    );
  await demoUnchanged();
});

faultCase("pages without ids (products, insights, settings) show the other shop only its own data", {}, async (ctx) => {
  for (const [path, route] of [
    ["/app", "routes/app._index"],
    ["/app/insights", "routes/app.insights"],
    ["/app/settings", "routes/app.settings"],
  ] as const) {
    await probe(ctx, path, await get(path, route), [200]);
  }
  // The same probe finds the demo shop's data on its own products page: the markers would show a leak.
  const own = await (await fs.stack.appFetch(dataUrl("/app", "routes/app._index"), { shop: DEMO_SHOP })).text();
  expect(own).toContain(demoTeapot.id);
});

faultCase("bulk generate (products page) with the demo shop's product ids starts nothing", {}, async (ctx) => {
  const response = await routePost(fs.stack, "/app", "routes/app._index", { productId: [demoTeapot.id] }, OTHER_SHOP);
  await probe(ctx, "products page bulk generate", response, [200, 404], [demoTeapot.id]);
  await demoUnchanged();
});

faultCase("admin action API (preview, generate) with the demo shop's product ids", { short: true }, async (ctx) => {
  for (const path of ["/api/scenes/preview", "/api/scenes/generate"]) {
    const { status, body } = await extensionPost(fs.stack, path, OTHER_SHOP, { productIds: [demoTeapot.id] });
    await probe(ctx, path, new Response(JSON.stringify(body), { status }), [404], [demoTeapot.id]);
  }
  await demoUnchanged();
});

faultCase(
  "brand presets: the other shop names the demo shop's preset in a request, its settings, a change and a delete",
  { short: true },
  async (ctx) => {
    const preset = await createBrandPreset(fs.stack.db, DEMO_SHOP, {
      name: "Demo counter",
      kind: "general",
      text: "on the demo shop's secret counter",
    });
    const otherMedia = fs.stack.store.control.productMedia(OTHER_SHOP, otherTeapot.id).map((m) => m.id);
    const sent = [preset.id];
    const leaksPreset = async (what: string, response: Response) => {
      const body = await response.text();
      if (body.includes(preset.text) || body.includes(preset.name))
        ctx.crossShopRead(`${what} answered with the demo shop's preset`);
      return new Response(body, { status: response.status });
    };
    await probe(
      ctx,
      "studio start with the demo preset",
      await leaksPreset(
        "studio start",
        await routePost(
          fs.stack,
          `/app/products/${numericId(otherTeapot.id)}`,
          STUDIO_ROUTE,
          { intent: "start", imagesPerScene: "1", sceneId: preset.id, mediaId: otherMedia, classNoun: "teapot" },
          OTHER_SHOP,
        ),
      ),
      [200],
      sent,
    );
    await probe(
      ctx,
      "settings with the demo preset as a default scene",
      await leaksPreset(
        "settings save",
        await routePost(
          fs.stack,
          "/app/settings",
          "routes/app.settings",
          { defaultSceneId: preset.id, imagesPerScene: "1", itmThreshold: "0.9" },
          OTHER_SHOP,
        ),
      ),
      [200],
      sent,
    );
    await probe(
      ctx,
      "change the demo preset",
      await leaksPreset(
        "preset change",
        await routePost(
          fs.stack,
          "/app/brand-presets",
          "routes/app.brand-presets",
          { intent: "update", id: preset.id, name: "Taken over", kind: "general", text: "on the other shop's table" },
          OTHER_SHOP,
        ),
      ),
      [200],
      sent,
    );
    await probe(
      ctx,
      "delete the demo preset",
      await routePost(
        fs.stack,
        "/app/brand-presets",
        "routes/app.brand-presets",
        { intent: "delete", id: preset.id },
        OTHER_SHOP,
      ),
      [200],
      sent,
    );
    expect(
      await fs.stack.db.brandPreset.findMany({
        where: { id: presetRowId(preset.id) },
        select: { shop: true, name: true, text: true },
      }),
    ).toEqual([{ shop: DEMO_SHOP, name: preset.name, text: preset.text }]);
    const other = await fs.stack.db.shop.findUnique({ where: { shop: OTHER_SHOP } });
    expect(other?.defaultSceneIds ?? "[]").not.toContain(preset.id);
    await demoUnchanged();
    await fs.stack.db.brandPreset.deleteMany({ where: { shop: DEMO_SHOP } });
  },
);

faultCase("jobs naming the demo shop's request and image while carrying the other shop", {}, async () => {
  const ingest = await fs.producers
    .queue("ingest")
    .add("ingest", { shop: OTHER_SHOP, generationId: demo.generationId }, { attempts: 1 });
  const publish = await fs.producers
    .queue("publish")
    .add("publish", { shop: OTHER_SHOP, candidateId: demo.candidateIds[0]! }, { attempts: 1 });
  const upscale = await fs.producers
    .queue("post")
    .add("upscale", { shop: OTHER_SHOP, candidateId: demo.candidateIds[1]! }, { attempts: 1 });
  for (const job of [ingest, publish, upscale]) {
    await waitFor(
      `job ${job.name} to finish`,
      async () => ((await job.getState()) === "failed" || (await job.getState()) === "completed" ? true : undefined),
      60_000,
    );
    expect(await job.getState(), job.name).toBe("failed");
  }
  await demoUnchanged();
  const other = await fs.stack.db.candidate.count({ where: { shop: OTHER_SHOP } });
  expect(other).toBe(0);
});

faultCase(
  "signed blob URLs: another shop's key, a tampered signature, a later expiry, a path trick",
  { short: true },
  async (ctx) => {
    const studio = (await (
      await fs.stack.appFetch(dataUrl(`/app/products/${numericId(demoTeapot.id)}`, STUDIO_ROUTE), { shop: DEMO_SHOP })
    ).json()) as { candidates: Array<{ imageUrl: string }> };
    const signed = new URL(studio.candidates[0]!.imageUrl);
    const fetchBlob = (url: URL | string) => fetch(url, { headers: { "User-Agent": BROWSER_USER_AGENT } });
    expect((await fetchBlob(signed)).status, "the demo shop's own signed URL").toBe(200);

    // The other shop's session changes nothing: a signed URL is the credential, and only for its own key.
    const otherKey = blobKey(OTHER_SHOP, "subjects", demo.subjectId, "candidates", "seed-0.png");
    const tries: Array<[string, URL]> = [];
    const swapped = new URL(signed);
    swapped.pathname = `/blobs/${otherKey}`;
    tries.push(["the signature on the other shop's key", swapped]);
    const demoAsOther = new URL(signed);
    demoAsOther.pathname = signed.pathname.replace(`shops/${DEMO_SHOP}/`, `shops/${OTHER_SHOP}/`);
    tries.push(["the same path under the other shop", demoAsOther]);
    const tampered = new URL(signed);
    tampered.searchParams.set("signature", `${signed.searchParams.get("signature")!.slice(0, -2)}00`);
    tries.push(["a tampered signature", tampered]);
    const later = new URL(signed);
    later.searchParams.set("expires", String(Number(signed.searchParams.get("expires")) + 3600));
    tries.push(["a later expiry", later]);
    const expiredKey = decodeURIComponent(signed.pathname.replace(/^\/blobs\//, ""));
    const expired = new URL(signed);
    const old = signBlobKey(
      `blob-url:${fs.stack.env.SHOPIFY_API_SECRET}`,
      expiredKey as never,
      Math.floor(Date.now() / 1000) - 10,
    );
    expired.searchParams.set("expires", String(old.expires));
    expired.searchParams.set("signature", old.signature);
    tries.push(["an expired link", expired]);
    tries.push([
      "a path trick",
      new URL(
        `/blobs/shops/${OTHER_SHOP}/..%2F${DEMO_SHOP}/${signed.pathname.split(`${DEMO_SHOP}/`)[1]}?${signed.searchParams}`,
        fs.stack.appUrl,
      ),
    ]);
    tries.push(["no signature", new URL(signed.pathname, fs.stack.appUrl)]);
    for (const [what, url] of tries) {
      const response = await fetchBlob(url);
      if (response.status < 300) ctx.crossShopRead(`blob URL with ${what} opened ${url.pathname}`);
      expect([403, 404], `${what}: HTTP ${response.status}`).toContain(response.status);
    }
  },
);
