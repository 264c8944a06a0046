// The admin action extensions' backend (api/scenes/preview, api/scenes/generate) through real HTTP:
// the built app, the local store, session tokens, CORS, Redis. Flows are created, not run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, OTHER_SHOP } from "../../devstore";
import { createBrandPreset } from "../../lib/brand-presets";
import { DEFAULT_SCENE_IDS } from "../../lib/scenes";
import { PRICES_USD } from "../../lib/usage";
import type { Producers } from "../../lib/queue/producer";
import { BROWSER_USER_AGENT, startTestStack, type TestStack } from "../harness/stack";
import { parsePreview, parseResult, previewView, resultView } from "../../extensions/generate-scenes/src/logic";
import {
  approvePlan,
  extensionPost,
  productByTitle,
  shopProducts,
  stackProducers,
  waitingJobs,
  type ShopProduct,
} from "./helpers";

const STAGES_PER_FLOW = 6;

let stack: TestStack;
let producers: Producers;
let teapot: ShopProduct;
let vase: ShopProduct;
let noPhotos: ShopProduct;

beforeAll(async () => {
  stack = await startTestStack();
  producers = stackProducers(stack);
  await stack.installShop(DEMO_SHOP);
  await stack.installShop(OTHER_SHOP, { plan: false });
  await approvePlan(stack, DEMO_SHOP);
  teapot = await productByTitle(stack, DEMO_SHOP, "Teapot");
  vase = await productByTitle(stack, DEMO_SHOP, "Vase");
  noPhotos = await productByTitle(stack, DEMO_SHOP, "Fixture: no photos");
});

afterAll(async () => {
  await producers?.close();
  await stack?.close();
});

describe("bulk action backend", () => {
  it("previews a selection: who has enough photos, the scene set and the estimated cost; starts nothing", async () => {
    const { status, body } = await extensionPost(stack, "/api/scenes/preview", DEMO_SHOP, {
      productIds: [teapot.id, vase.id, noPhotos.id],
    });
    expect(status).toBe(200);
    expect(body.counts).toEqual({ selected: 3, enoughPhotos: 2, needsPhotos: 1, running: 0, noSuitableScene: 0 });
    expect(
      body.products.map((p: { title: string; photos: number; enoughPhotos: boolean; label: string }) => [
        p.title,
        p.photos,
        p.enoughPhotos,
        p.label,
      ]),
    ).toEqual([
      ["Teapot", teapot.photos, true, "Not started"],
      ["Vase", vase.photos, true, "Not started"],
      ["Fixture: no photos", 0, false, "Not started"],
    ]);
    expect(body.scenes.map((s: { id: string }) => s.id)).toEqual([...DEFAULT_SCENE_IDS]);
    expect(body.estimate).toMatchObject({ products: 2, totalUsd: 2 * PRICES_USD.tuned_product });
    expect(body.plan).toEqual({ active: true });
    expect(body.message).toBeNull();
    expect(await stack.db.generation.count()).toBe(0);
    // What the selection action shows for this answer.
    const view = previewView(parsePreview(body), "selection");
    expect(view.lines[0]).toBe("2 of 3 selected products have enough photos (at least 1).");
    expect(view.notes).toEqual(["Fixture: no photos: needs photos (0 of 1)."]);
    expect(view).toMatchObject({ canGenerate: true, primaryLabel: "Generate for 2 products" });
  });

  it("3 products, one without photos: 2 flows with bulk priority and 1 clear 'needs photos'", async () => {
    const { status, body, headers } = await extensionPost(stack, "/api/scenes/generate", DEMO_SHOP, {
      productIds: [teapot.id, vase.id, noPhotos.id],
    });
    expect(status).toBe(200);
    expect(headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(body.counts).toMatchObject({ queued: 2, needsPhotos: 1, alreadyRunning: 0, overCap: 0 });
    const needs = body.results.find((r: { id: string }) => r.id === noPhotos.id);
    expect(needs).toMatchObject({
      status: "needs_photos",
      message: expect.stringMatching(/^Needs photos: add a photo of the product/),
    });
    expect(body.message).toMatch(/Started 2 products.*1 product needs photos/);
    expect(body.progressPath).toBe("/app");
    expect(resultView(parseResult(body))).toMatchObject({
      tone: "success",
      details: [expect.stringMatching(/^Fixture: no photos: Needs photos/)],
      progressHref: "app:app",
    });

    const generations = await stack.db.generation.findMany({ where: { shop: DEMO_SHOP }, include: { subject: true } });
    expect(generations.map((g) => g.subject.productId).sort()).toEqual([teapot.id, vase.id].sort());
    for (const g of generations) {
      expect(g.source).toBe("bulk");
      expect(g.priority).toBeGreaterThanOrEqual(300_000);
      expect(JSON.parse(g.scenes).map((s: { id: string }) => s.id)).toEqual([...DEFAULT_SCENE_IDS]);
    }
    expect(await waitingJobs(producers, DEMO_SHOP)).toBe(2 * STAGES_PER_FLOW);
  });

  it("does not start a product twice: a repeated submission reports the requests in progress", async () => {
    const { body } = await extensionPost(stack, "/api/scenes/generate", DEMO_SHOP, {
      productIds: [teapot.id, vase.id],
    });
    expect(body.counts).toMatchObject({ queued: 0, alreadyRunning: 2 });
    expect(await stack.db.generation.count()).toBe(2);
    expect(await waitingJobs(producers, DEMO_SHOP)).toBe(2 * STAGES_PER_FLOW);
  });

  it("shows one product's current state for the product-page action", async () => {
    const { body } = await extensionPost(stack, "/api/scenes/preview", DEMO_SHOP, { productIds: [teapot.id] });
    expect(body.products[0]).toMatchObject({
      title: "Teapot",
      label: "Checking photos",
      running: { status: "queued", stage: "Waiting" },
    });
    expect(body.estimate.products).toBe(0);
    expect(previewView(parsePreview(body), "product")).toMatchObject({
      canGenerate: false,
      blocker: "Scenes are already being created for this product.",
    });
    expect(body.progressPath).toBe(`/app/products/${teapot.id.split("/").pop()}`);
  });

  it("refuses product ids of another shop, malformed ids and oversized batches, starting nothing", async () => {
    const [otherTeapot] = await shopProducts(stack, OTHER_SHOP);
    const foreign = await extensionPost(stack, "/api/scenes/generate", DEMO_SHOP, {
      productIds: [otherTeapot!.id, vase.id],
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toMatch(/1 of the selected products is not in this store/);
    const malformed = await extensionPost(stack, "/api/scenes/generate", DEMO_SHOP, {
      productIds: ["gid://shopify/Order/1"],
    });
    expect(malformed.status).toBe(400);
    const many = Array.from({ length: 101 }, (_, i) => `gid://shopify/Product/${i + 1}`);
    const tooMany = await extensionPost(stack, "/api/scenes/generate", DEMO_SHOP, { productIds: many });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toMatch(/at most 100 products/);
    expect(await stack.db.generation.count()).toBe(2);
  });

  it("answers the extension's CORS preflight and refuses a forged session token", async () => {
    const preflight = await fetch(new URL("/api/scenes/generate", stack.appUrl), {
      method: "OPTIONS",
      headers: {
        Origin: "https://extensions.shopifycdn.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
        "User-Agent": BROWSER_USER_AGENT,
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(preflight.headers.get("Access-Control-Allow-Headers")).toMatch(/Authorization/);
    const forged = await fetch(new URL("/api/scenes/generate", stack.appUrl), {
      method: "POST",
      headers: {
        Authorization: "Bearer not.a.token",
        "Content-Type": "application/json",
        "User-Agent": BROWSER_USER_AGENT,
      },
      body: JSON.stringify({ productIds: [vase.id] }),
    });
    expect(forged.status).toBe(401);
  });

  it("starts nothing for a shop that has not approved the plan", async () => {
    const [otherTeapot] = await shopProducts(stack, OTHER_SHOP);
    const { status, body } = await extensionPost(stack, "/api/scenes/generate", OTHER_SHOP, {
      productIds: [otherTeapot!.id],
    });
    expect(status).toBe(402);
    expect(body).toMatchObject({
      code: "plan_required",
      error: expect.stringMatching(/Approve the SceneBooth plan first/),
    });
    expect(await stack.db.generation.count({ where: { shop: OTHER_SHOP } })).toBe(0);
    expect(await waitingJobs(producers, OTHER_SHOP)).toBe(0);
  });

  it("a reached cap means no new GPU work, with a message that says why", async () => {
    // The two queued requests hold 2 × the tuned-product price; a cap of exactly that leaves nothing.
    await stack.db.shop.upsert({
      where: { shop: DEMO_SHOP },
      create: { shop: DEMO_SHOP, monthlyCapUsd: 2 * PRICES_USD.tuned_product },
      update: { monthlyCapUsd: 2 * PRICES_USD.tuned_product },
    });
    const backpack = await productByTitle(stack, DEMO_SHOP, "Backpack");
    const preview = await extensionPost(stack, "/api/scenes/preview", DEMO_SHOP, { productIds: [backpack.id] });
    expect(preview.body.message).toMatch(/only \$0\.00 is left of your monthly spending cap of \$1\.00/);
    const { status, body } = await extensionPost(stack, "/api/scenes/generate", DEMO_SHOP, {
      productIds: [backpack.id],
    });
    expect(status).toBe(200);
    expect(body.counts).toMatchObject({ queued: 0, overCap: 1 });
    expect(body.results[0]).toMatchObject({
      status: "over_cap",
      message: expect.stringMatching(/Raise the cap in SceneBooth's settings/),
    });
    expect(await stack.db.generation.count()).toBe(2);
    expect(await waitingJobs(producers, DEMO_SHOP)).toBe(2 * STAGES_PER_FLOW);
  });

  it("shows a brand preset among the default scenes by its name, in the action's words", async () => {
    const preset = await createBrandPreset(stack.db, DEMO_SHOP, {
      name: "Shop counter",
      kind: "general",
      text: "on our walnut counter",
    });
    await stack.db.shop.update({
      where: { shop: DEMO_SHOP },
      data: { defaultSceneIds: JSON.stringify(["white-seamless-g", preset.id]) },
    });
    const { body } = await extensionPost(stack, "/api/scenes/preview", DEMO_SHOP, { productIds: [vase.id] });
    expect(body.scenes).toEqual([
      { id: "white-seamless-g", kind: "general", text: "on a white seamless backdrop" },
      { id: preset.id, kind: "general", text: "on our walnut counter", name: "Shop counter" },
    ]);
    expect(previewView(parsePreview(body), "selection").scenes).toEqual([
      "on a white seamless backdrop",
      "Shop counter (your preset): on our walnut counter",
    ]);
  });

  it("a product with one photo takes the fast exact-product lane: no tuning charge, so the reached cap does not stop it; no tune job", async () => {
    const onePhoto = await productByTitle(stack, DEMO_SHOP, "Fixture: one photo");
    const preview = await extensionPost(stack, "/api/scenes/preview", DEMO_SHOP, { productIds: [onePhoto.id] });
    expect(preview.body.products[0]).toMatchObject({ enoughPhotos: true, lane: "fast" });
    expect(preview.body.estimate).toMatchObject({ products: 1, fastLane: 1, totalUsd: 0 });
    expect(preview.body.message).toBeNull();
    const { body } = await extensionPost(stack, "/api/scenes/generate", DEMO_SHOP, { productIds: [onePhoto.id] });
    expect(body.results[0]).toMatchObject({ status: "queued", lane: "fast" });
    expect(body.message).toMatch(
      /Started 1 product \(about \$0\.00; 1 in the fast exact-product lane, with no tuning charge\)/,
    );
    const generation = await stack.db.generation.findUniqueOrThrow({ where: { id: body.results[0].generationId } });
    expect([generation.lane, JSON.parse(generation.options).modes]).toEqual(["fast", ["exact"]]);
    expect(await waitingJobs(producers, DEMO_SHOP)).toBe(2 * STAGES_PER_FLOW + STAGES_PER_FLOW - 1);
  });
});
