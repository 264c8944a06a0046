import { describe, expect, it } from "vitest";
import {
  appHref,
  callBackend,
  errorMessage,
  ExtensionError,
  MAX_SELECTION,
  parsePreview,
  parseResult,
  previewView,
  resultView,
  selectionBody,
  type GenerateResult,
  type Preview,
  type ProductPreview,
} from "./logic";

const product = (over: Partial<ProductPreview>): ProductPreview => ({
  id: "gid://shopify/Product/1",
  title: "Teapot",
  photos: 5,
  enoughPhotos: true,
  label: "Not started",
  running: null,
  waitingForReview: 0,
  lastError: null,
  ...over,
});

function preview(products: ProductPreview[], over: Partial<Preview> = {}): Preview {
  const startable = products.filter((p) => p.enoughPhotos && !p.running).length;
  return {
    products,
    counts: {
      selected: products.length,
      enoughPhotos: products.filter((p) => p.enoughPhotos).length,
      needsPhotos: products.filter((p) => !p.enoughPhotos).length,
      running: products.filter((p) => p.running).length,
    },
    minPhotos: 3,
    scenes: [
      { id: "g7", kind: "general", text: "on the beach" },
      { id: "s17", kind: "specific", text: "on golden sand at a sunny tropical beach" },
      { id: "p-abc", kind: "general", text: "on our oak counter", name: "Shop counter" },
    ],
    imagesPerScene: 4,
    estimate: {
      products: startable,
      pricePerProductUsd: 0.5,
      totalUsd: startable * 0.5,
      pricePerPublishedImageUsd: 0.1,
    },
    plan: { active: true },
    message: null,
    progressPath: "/app",
    ...over,
  };
}

describe("selectionBody", () => {
  it("sends each selected product once", () => {
    expect(selectionBody([{ id: "a" }, { id: "b" }, { id: "a" }])).toEqual({ productIds: ["a", "b"] });
  });
  it("refuses an empty or oversized selection before anything is sent", () => {
    expect(() => selectionBody([])).toThrow(ExtensionError);
    const many = Array.from({ length: MAX_SELECTION + 1 }, (_, i) => ({ id: String(i) }));
    expect(() => selectionBody(many)).toThrow(/at most 100 products at a time \(you selected 101\)/);
  });
});

describe("previewView", () => {
  it("says how many have enough photos, which need photos, the scenes and the estimated cost", () => {
    const view = previewView(
      preview([
        product({}),
        product({ id: "2", title: "Vase" }),
        product({ id: "3", title: "Mug", photos: 1, enoughPhotos: false }),
      ]),
      "selection",
    );
    expect(view.heading).toBe("Generate scenes for 3 products");
    expect(view.lines).toEqual([
      "2 of 3 selected products have enough photos (at least 3).",
      "3 scenes, 4 images each (12 to review per product).",
      "Estimated cost: $1.00 (2 products × $0.50), plus $0.10 for each image you publish.",
    ]);
    expect(view.notes).toEqual(["Mug: needs photos (1 of 3)."]);
    expect(view.scenes).toEqual([
      "on the beach",
      "on golden sand at a sunny tropical beach",
      "Shop counter (your preset): on our oak counter",
    ]);
    expect(view).toMatchObject({ canGenerate: true, blocker: null, primaryLabel: "Generate for 2 products" });
  });

  it("prices the fast exact-product lane apart: no tuning charge, and the breakdown adds up", () => {
    const products = [product({}), product({ id: "2", title: "Mug", photos: 1 })];
    const view = previewView(
      preview(products, {
        estimate: { products: 2, fastLane: 1, pricePerProductUsd: 0.5, totalUsd: 0.5, pricePerPublishedImageUsd: 0.1 },
      }),
      "selection",
    );
    expect(view.lines).toContain(
      "Estimated cost: $0.50 (1 product to learn × $0.50; 1 in the fast exact-product lane, with no tuning charge), plus $0.10 for each image you publish.",
    );
  });

  it("counts the images of each product's own scenes, and says which products no default scene suits", () => {
    const products = [
      product({ scenes: 3 }),
      product({ id: "2", title: "Dining chair", scenes: 2 }),
      product({ id: "3", title: "Bath mat", scenes: 0 }),
    ];
    const view = previewView(
      preview(products, {
        estimate: { products: 2, pricePerProductUsd: 0.5, totalUsd: 1, pricePerPublishedImageUsd: 0.1, images: 20 },
      }),
      "selection",
    );
    expect(view.lines).toContain(
      "3 scenes, 4 images each; scenes that do not suit a product are left out (20 images to review in all).",
    );
    expect(view.notes).toEqual([
      "Bath mat: none of the default scenes suits it; start it from its page in SceneBooth.",
    ]);
    const nothing = previewView(
      preview([products[2]!], {
        estimate: { products: 0, pricePerProductUsd: 0.5, totalUsd: 0, pricePerPublishedImageUsd: 0.1, images: 0 },
      }),
      "selection",
    );
    expect(nothing.blocker).toMatch(/^Nothing to start: none of the default scenes suits these products/);
    expect(nothing.canGenerate).toBe(false);
  });

  it("says how much of the shop's daily image limit is left", () => {
    const dailyImages = { limit: 240, used: 40, remaining: 200, resetsAt: "2026-12-07T00:00:00.000Z" };
    const view = previewView({ ...preview([product({})]), dailyImages }, "selection");
    expect(view.lines).toContain("200 of your 240 images a day are left today.");
  });

  it("shows one product's current state and does not offer to start it twice", () => {
    const running = product({
      label: "Learning the product",
      running: { generationId: "g", status: "running", progress: 0.42, stage: "Learning your product" },
      waitingForReview: 3,
    });
    const view = previewView(preview([running]), "product");
    expect(view.lines[0]).toBe("Teapot: Learning the product (42%, Learning your product).");
    expect(view.lines[1]).toBe("3 images waiting for your review.");
    expect(view).toMatchObject({ canGenerate: false, blocker: "Scenes are already being created for this product." });
  });

  it("explains a product without enough photos", () => {
    const view = previewView(preview([product({ photos: 2, enoughPhotos: false })]), "product");
    expect(view.lines).toContain("Only 2 photos: add at least 3 (5–7 work best).");
    expect(view.blocker).toBe("Nothing to start: add at least 3 photos to a product first.");
  });

  it("passes on the app's reason when the plan or a cap stops new work", () => {
    const message = "This needs $1.00, but only $0.00 is left of your monthly spending cap of $1.00.";
    const view = previewView(preview([product({})], { message }), "selection");
    expect(view).toMatchObject({ canGenerate: false, blocker: message });
  });
});

describe("resultView", () => {
  const result = (
    over: Partial<GenerateResult["counts"]>,
    results: GenerateResult["results"] = [],
  ): GenerateResult => ({
    results,
    counts: { queued: 0, alreadyRunning: 0, needsPhotos: 0, overCap: 0, refused: 0, ...over },
    message: "Started 2 products.",
    progressPath: "/app/products/7",
  });

  it("is a success when everything startable started, with a link to the progress view in the app", () => {
    const view = resultView(
      result({ queued: 2, needsPhotos: 1 }, [
        { id: "3", title: "Mug", status: "needs_photos", message: "Needs photos: add at least 3 photos." },
      ]),
    );
    expect(view).toEqual({
      tone: "success",
      message: "Started 2 products.",
      details: ["Mug: Needs photos: add at least 3 photos."],
      progressHref: "app:app/products/7",
    });
  });
  it("warns when a cap stopped some, and is critical when nothing started", () => {
    expect(resultView(result({ queued: 1, overCap: 1 })).tone).toBe("warning");
    expect(resultView(result({ overCap: 2 })).tone).toBe("critical");
  });
  it("builds app links from app paths", () => {
    expect(appHref("/app")).toBe("app:app");
  });
});

describe("talking to the backend", () => {
  // A fake of the admin's fetch (the extension runtime cannot run here).
  const fakeFetch = (status: number, body: unknown): typeof fetch =>
    (async () => new Response(JSON.stringify(body), { status })) as typeof fetch;

  it("parses a good answer and refuses one it does not understand", async () => {
    const good = preview([product({})]);
    await expect(callBackend(fakeFetch(200, good), "api/scenes/preview", {}, parsePreview)).resolves.toEqual(good);
    await expect(
      callBackend(fakeFetch(200, { unexpected: true }), "api/scenes/generate", {}, parseResult),
    ).rejects.toThrow(/does not understand/);
  });
  it("shows the app's own error message, or a plain one", async () => {
    await expect(
      callBackend(
        fakeFetch(402, { error: "Approve the SceneBooth plan first." }),
        "api/scenes/generate",
        {},
        parseResult,
      ),
    ).rejects.toThrow("Approve the SceneBooth plan first.");
    expect(errorMessage(401, null)).toMatch(/session has expired/);
    expect(errorMessage(502, "<html>")).toBe("SceneBooth could not be reached (HTTP 502). Try again in a moment.");
    const offline = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch;
    await expect(callBackend(offline, "api/scenes/preview", {}, parsePreview)).rejects.toThrow(/could not be reached/);
  });
});
