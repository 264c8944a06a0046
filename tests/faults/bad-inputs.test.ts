// Fault suite, bad inputs: products with 0/1/2/12 photos, bad photo files, and class nouns, custom
// scenes and settings that are empty, huge, full of control characters, markup or other scripts.
import sharp from "sharp";
import { afterAll, beforeAll, expect } from "vitest";
import { cancelGeneration } from "../../lib/pipeline/cancel";
import { LocalBlobStore, type BlobKey } from "../../lib/storage";
import type { ProcessHandle } from "../harness/stack";
import { BAD_IMAGES } from "./bad-images";
import { faultGroup } from "./fault-case";
import {
  DEMO_SHOP,
  newProduct,
  requestFor,
  runUntil,
  startFaultStack,
  storeProduct,
  waitForEnd,
  type FaultStack,
  type StoreProduct,
} from "./helpers";
import { DEFAULT_DAILY_IMAGE_LIMIT } from "../../lib/config";
import { forShop } from "../../lib/db";
import { dailyImages } from "../../lib/pipeline/daily-images";
import { NO_PHOTOS_ONLY_OTHER_MEDIA } from "../../lib/products";
import { NO_PACKSHOT_MESSAGE } from "../../worker/stages/exact-source";
import { presetRowId, SCENES } from "../../lib/scenes";
import { createBrandPreset } from "../../lib/brand-presets";
import { ProductWithMediaDocument } from "../../lib/shopify-admin";
import { waitFor } from "../pipeline/helpers";
import { dataUrl, numericId, routePost, STUDIO_ROUTE, studioPost } from "./routes";

let fs: FaultStack;
let worker: ProcessHandle;
let teapot: StoreProduct;

beforeAll(async () => {
  fs = await startFaultStack();
  worker = await fs.stack.startWorker();
  teapot = await storeProduct(fs.stack, "Teapot");
});
afterAll(async () => {
  await worker?.kill("SIGKILL");
  await fs?.close();
});

const faultCase = faultGroup("bad inputs", () => fs);

// Photo counts: too few photos stop the request before any GPU time, with the reason.
for (const [title, reason, short] of [
  ["Fixture: no photos", /no photos yet/, true],
  ["Fixture: one photo", /1 usable photo; at least 3/, false],
  ["Fixture: two photos", /2 usable photos; at least 3/, true],
] as const) {
  faultCase(`product with ${title.replace("Fixture: ", "")}`, { short }, async () => {
    const product =
      title === "Fixture: two photos"
        ? await newProduct(fs.stack, title, teapot.photoUrls.slice(0, 2))
        : await storeProduct(fs.stack, title);
    const generation = await requestFor(fs, product);
    const done = await waitForEnd(fs.stack, generation.id, 60_000);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(reason);
    expect(done.tuningRunId).toBeNull();
    expect((await fs.stack.db.subject.findUniqueOrThrow({ where: { id: done.subjectId } })).state).toBe(
      "needs_attention",
    );
  });
}

// Exact-product images need a photo whose plain-backdrop matte can be trusted.
faultCase(
  "exact-product images asked for a product photographed only on busy backgrounds: stopped before any GPU time with the reason, nothing charged",
  { short: true },
  async () => {
    const backpack = await storeProduct(fs.stack, "Backpack");
    const product = await newProduct(fs.stack, "Exact: busy backgrounds", backpack.photoUrls.slice(0, 4));
    const charges = () => fs.stack.db.usageRecord.count({ where: { shop: DEMO_SHOP, amountUsd: { gt: 0 } } });
    const chargedBefore = await charges();
    for (const modes of [["tuned", "exact"], ["exact"]] as const) {
      const generation = await requestFor(fs, product, { modes: [...modes], allowLowDiversity: true });
      const done = await waitForEnd(fs.stack, generation.id, 60_000);
      expect([done.status, done.stage, done.error]).toEqual(["failed", "dataset-check", NO_PACKSHOT_MESSAGE]);
      expect(done.tuningRunId).toBeNull();
      expect(await fs.stack.db.candidate.count({ where: { generationId: done.id } })).toBe(0);
      const subject = await fs.stack.db.subject.findUniqueOrThrow({ where: { id: done.subjectId } });
      expect([subject.state, subject.lastError]).toEqual(["needs_attention", NO_PACKSHOT_MESSAGE]);
    }
    const subject = await fs.stack.db.subject.findFirstOrThrow({ where: { shop: DEMO_SHOP, productId: product.id } });
    expect(await charges()).toBe(chargedBefore);
    expect(await fs.stack.db.tuningRun.count({ where: { subjectId: subject.id } })).toBe(0);
    // The photos stay, ready for a request for tuned images.
    expect(
      await fs.stack.db.trainingImage.count({ where: { subjectId: subject.id, preparedBlobKey: { not: null } } }),
    ).toBe(4);
  },
);

// Videos and 3D models (held by the local store as Shopify models them) are never learned from.
const VIDEO = { mediaContentType: "VIDEO", originalSource: "https://cdn.example.com/spin.mp4" } as const;
const OTHER_MEDIA = [
  VIDEO,
  { mediaContentType: "EXTERNAL_VIDEO", originalSource: "https://www.youtube.com/watch?v=dQw4w9WgXcQ" },
  { mediaContentType: "MODEL_3D", originalSource: "https://cdn.example.com/teapot.glb" },
] as const;
const studioData = async (productId: string) =>
  (await (await fs.stack.appFetch(dataUrl(`/app/products/${numericId(productId)}`, STUDIO_ROUTE))).json()) as {
    photos: Array<{ mediaId: string }>;
    onlyOtherMedia: boolean;
  };

faultCase(
  "product whose media are only videos and a 3D model: studio and request ask for photos",
  { short: true },
  async () => {
    const { id } = fs.stack.store.control.createProduct(DEMO_SHOP, {
      title: "Media: video and 3D only",
      productType: "teapot",
      otherMedia: [...OTHER_MEDIA],
    });
    const studio = await studioData(id);
    expect(studio).toMatchObject({ photos: [], onlyOtherMedia: true });
    const generation = await requestFor(fs, { id, title: "Media: video and 3D only", productType: "teapot" });
    const done = await waitForEnd(fs.stack, generation.id, 60_000);
    expect([done.status, done.error]).toEqual(["failed", NO_PHOTOS_ONLY_OTHER_MEDIA]);
    expect(await fs.stack.db.trainingImage.count({ where: { subjectId: done.subjectId } })).toBe(0);
  },
);

faultCase(
  "product with 60 videos before its 4 photos: the studio lists the photos, and ingest reads them on its first page",
  {},
  async () => {
    const product = await newProduct(fs.stack, "Media: videos first", teapot.photoUrls.slice(0, 4));
    // The videos go first in the product's media order.
    const { id } = fs.stack.store.control.createProduct(DEMO_SHOP, {
      title: "Media: sixty videos first",
      productType: "teapot",
      otherMedia: Array.from({ length: 60 }, (_, i) => ({
        ...VIDEO,
        originalSource: `https://cdn.example.com/v${i}.mp4`,
      })),
      imageUrls: product.photoUrls,
    });
    await waitFor("the photos to be processed", async () =>
      fs.stack.store.control.productMedia(DEMO_SHOP, id).every((m) => m.status === "READY") ? true : undefined,
    );
    const studio = await studioData(id);
    expect(studio.onlyOtherMedia).toBe(false);
    expect(studio.photos).toHaveLength(4);
    expect(studio.photos.every((p) => p.mediaId.startsWith("gid://shopify/MediaImage/"))).toBe(true);
    // Ingest reads the product's media with the same filter: the first page holds the four photos.
    const { product: read } = await (
      await fs.stack.adminClient()
    ).request(ProductWithMediaDocument, { id, mediaFirst: 50 });
    expect(read!.mediaCount!.count).toBe(64);
    expect(read!.media.nodes.map((m) => m.id).sort()).toEqual(studio.photos.map((p) => p.mediaId).sort());
  },
);

faultCase(
  "two studio requests at once, with room in the daily image limit for one: one starts, the other is refused with the limit's message, nothing queued or charged",
  {},
  async (ctx) => {
    const products = [
      await newProduct(fs.stack, "Limit: first", teapot.photoUrls.slice(0, 4)),
      await newProduct(fs.stack, "Limit: second", teapot.photoUrls.slice(0, 4)),
    ];
    const { remaining } = await dailyImages(forShop(fs.stack.db, DEMO_SHOP), DEFAULT_DAILY_IMAGE_LIMIT);
    // n images each (8 per scene), with n <= remaining < 2n.
    const scenes = SCENES.slice(0, Math.floor(remaining / 16) + 1).map((scene) => scene.id);
    const charged = await fs.stack.db.usageRecord.count({ where: { shop: DEMO_SHOP } });
    const answers = (await Promise.all(
      products.map(async (p) =>
        (
          await studioPost(fs.stack, p.id, {
            intent: "start",
            classNoun: "teapot",
            imagesPerScene: "8",
            sceneId: scenes,
          })
        ).json(),
      ),
    )) as Array<{ ok: boolean; error?: string }>;
    expect(answers.map((a) => a.ok).sort()).toEqual([false, true]);
    const refused = answers.findIndex((a) => !a.ok);
    expect(answers[refused]!.error).toMatch(
      new RegExp(
        `^You've generated \\d+ images today, of ${DEFAULT_DAILY_IMAGE_LIMIT} a day; this request needs ${scenes.length * 8} and \\d+ are left\\. .*resets at 00:00 UTC on`,
      ),
    );
    const started = products[1 - refused]!;
    ctx.expectRequest(DEMO_SHOP, started.id, started.title);
    const requests = await fs.stack.db.generation.findMany({
      where: { shop: DEMO_SHOP, subject: { productId: { in: products.map((p) => p.id) } } },
    });
    expect(requests).toHaveLength(1);
    await cancelGeneration(fs.stack.db, fs.producers, DEMO_SHOP, requests[0]!.id);
    expect((await waitForEnd(fs.stack, requests[0]!.id, 60_000)).status).toBe("cancelled");
    expect(await fs.stack.db.usageRecord.count({ where: { shop: DEMO_SHOP } })).toBe(charged);
    // Once cancelled before generating, the request gives its images back: the other product starts now.
    const again = await (
      await studioPost(fs.stack, products[refused]!.id, {
        intent: "start",
        classNoun: "teapot",
        imagesPerScene: "1",
        sceneId: ["g7"],
      })
    ).json();
    expect(again).toMatchObject({ ok: true });
    ctx.expectRequest(DEMO_SHOP, products[refused]!.id, products[refused]!.title);
    const second = await fs.stack.db.generation.findFirstOrThrow({
      where: { shop: DEMO_SHOP, subject: { productId: products[refused]!.id } },
    });
    await cancelGeneration(fs.stack.db, fs.producers, DEMO_SHOP, second.id);
    await waitForEnd(fs.stack, second.id, 60_000);
  },
);

faultCase("product with twelve photos: the 7 most varied are used", {}, async () => {
  const generation = await requestFor(fs, await storeProduct(fs.stack, "Fixture: twelve photos"));
  await runUntil(fs, generation.id, "tune");
  const used = await fs.stack.db.trainingImage.findMany({
    where: { subjectId: generation.subjectId, excluded: false },
  });
  expect(used).toHaveLength(7);
});

// Bad files: on a product with four good photos. Shopify's processing refuses some (the media is
// FAILED and never reaches SceneBooth); the same bytes are then also listed READY, as if Shopify let
// them through, so that SceneBooth's own checks are exercised for every file.
/** One pixel's RGB (sharp's stats() would describe the whole input, whatever was extracted). */
const pixel = async (png: Buffer, left: number, top: number) => [
  ...(await sharp(png).extract({ left, top, width: 1, height: 1 }).removeAlpha().raw().toBuffer()),
];

const blobs = () =>
  new LocalBlobStore({ rootDir: fs.stack.env.STORAGE_DIR!, publicBaseUrl: fs.stack.appUrl, signingKey: "unused" });

for (const [i, bad] of BAD_IMAGES.entries()) {
  faultCase(
    `photo file: ${bad.name}`,
    { short: bad.name === "CMYK JPEG" || bad.name === "HEIC named .jpg" },
    async () => {
      const product = await newProduct(fs.stack, `Bad file ${i}`, teapot.photoUrls.slice(0, 4));
      const bytes = await bad.make();
      const checked = await fs.stack.store.control.addImageFile(DEMO_SHOP, product.id, {
        filename: bad.filename,
        bytes,
        processing: "checked",
      });
      const listed =
        checked.status === "READY"
          ? checked
          : await fs.stack.store.control.addImageFile(DEMO_SHOP, product.id, {
              filename: bad.filename,
              bytes,
              processing: "listed-ready",
            });

      const generation = await requestFor(fs, product, { allowLowDiversity: true });
      const ended = await runUntil(fs, generation.id, "tune");
      expect(ended.status, `${ended.status}: ${ended.error}`).toBe("cancelled");
      const photos = await fs.stack.db.trainingImage.findMany({ where: { subjectId: generation.subjectId } });
      expect(photos.map((p) => p.sourceMediaId)).not.toContain(checked.status === "FAILED" ? checked.mediaId : "-");
      const good = photos.filter((p) => p.sourceMediaId !== listed.mediaId);
      expect(good.map((p) => p.excludedReason ?? "prepared")).toEqual(Array(4).fill("prepared"));
      const row = photos.find((p) => p.sourceMediaId === listed.mediaId);
      expect(row, "the file's training row").toBeDefined();
      if (bad.expect.prepared) {
        expect([row!.excluded, row!.excludedReason]).toEqual([false, null]);
        const crop = (await blobs().get(row!.preparedBlobKey! as BlobKey)).data;
        const meta = await sharp(crop).metadata();
        expect([meta.width, meta.height, meta.space, meta.depth, meta.hasAlpha]).toEqual([
          768,
          768,
          "srgb",
          "uchar",
          false,
        ]);
        const [r, , b] = await pixel(crop, 384, 384);
        expect(r! - b!, "the product's red survives the conversion").toBeGreaterThan(60);
        if (bad.expect.whiteCorner) expect(await pixel(crop, 2, 2)).toEqual([255, 255, 255]);
      } else {
        expect(row!.excluded).toBe(true);
        expect(row!.excludedReason).toMatch(bad.expect.reason);
      }
    },
  );
}

// Text: class nouns and custom scenes through the studio's form, as the merchant sends them.
const TEXTS = {
  empty: "",
  "10,000 characters": "teapot ".repeat(1429).slice(0, 10_000),
  "control characters": "tea\u0000pot\u0007 on\u001b[31m a \u202eshelf\r\n",
  "HTML and script": '<script>alert("x")</script><img src=x onerror=alert(1)> on a table',
  Japanese: "桜の木の下のテーブルの上",
  Arabic: "على طاولة خشبية في حديقة",
};

/** The studio's answer to a start with these fields; the script must not come back as markup. */
async function startFromStudio(product: StoreProduct, fields: Record<string, string | string[]>) {
  const response = await studioPost(fs.stack, product.id, {
    intent: "start",
    imagesPerScene: "1",
    sceneId: "g7",
    ...fields,
  });
  expect(response.status, "no server error").toBeLessThan(500);
  const text = await response.text();
  expect(text).not.toMatch(/<script>alert|<img src=x/);
  return JSON.parse(text) as { ok: boolean; error?: string; message?: string };
}

/** Cancels whatever the text case started, so that the next one can start. */
async function cancelOpen(product: StoreProduct) {
  const open = await fs.stack.db.generation.findMany({
    where: { subject: { productId: product.id }, status: { in: ["queued", "running"] } },
  });
  for (const g of open) {
    await cancelGeneration(fs.stack.db, fs.producers, DEMO_SHOP, g.id);
    await waitForEnd(fs.stack, g.id, 60_000);
  }
}

for (const [kind, text] of Object.entries(TEXTS)) {
  faultCase(`class noun: ${kind}`, { short: kind === "HTML and script" }, async () => {
    const vase = await storeProduct(fs.stack, "Vase");
    const before = await fs.stack.db.generation.count();
    const answer = await startFromStudio(vase, { classNoun: text });
    expect(answer.ok).toBe(false);
    expect(answer.error).toMatch(/class noun|plain English words/);
    expect(await fs.stack.db.generation.count()).toBe(before);
  });

  faultCase(`custom scene: ${kind}`, { short: kind === "control characters" }, async () => {
    const vase = await storeProduct(fs.stack, "Vase");
    const before = await fs.stack.db.generation.count();
    const answer = await startFromStudio(vase, {
      classNoun: "vase",
      customScene: text,
      sceneId: kind === "empty" ? [] : "g7",
    });
    try {
      if (kind === "empty") {
        expect(answer).toMatchObject({ ok: false, error: expect.stringMatching(/Pick at least one scene/) });
      } else if (kind === "10,000 characters") {
        expect(answer).toMatchObject({ ok: false, error: expect.stringMatching(/at most 160 characters/) });
      } else {
        expect(answer.ok, answer.error).toBe(true);
        const generation = await fs.stack.db.generation.findFirstOrThrow({
          where: { subject: { productId: vase.id } },
          orderBy: { createdAt: "desc" },
        });
        const custom = (JSON.parse(generation.scenes) as Array<{ kind: string; text: string; prompt: string }>).find(
          (s) => s.kind === "custom",
        )!;
        expect(custom.text).not.toMatch(/[<>\p{Cc}\p{Cf}]/u);
        expect(custom.prompt).toContain(custom.text);
        if (kind === "Japanese" || kind === "Arabic") expect(custom.text).toBe(text);
      }
      if (!answer.ok) expect(await fs.stack.db.generation.count()).toBe(before);
    } finally {
      await cancelOpen(vase);
    }
  });
}

faultCase("settings: markup, 10,000 characters and control characters in every field", {}, async () => {
  const before = await fs.stack.db.shop.findUnique({ where: { shop: DEMO_SHOP } });
  for (const text of [TEXTS["HTML and script"], TEXTS["10,000 characters"], TEXTS["control characters"]]) {
    const fields = {
      defaultSceneId: [text, "g7"],
      imagesPerScene: text,
      itmThreshold: text,
      fidelityFloorDino: text,
      fidelityFloorClipI: text,
      monthlyCapUsd: text,
      autoGenerate: text,
    };
    const response = await routePost(fs.stack, "/app/settings", "routes/app.settings", fields);
    expect(response.status, "no server error").toBeLessThan(500);
    const body = await response.text();
    expect(body).not.toMatch(/<script>alert|<img src=x/);
    const answer = JSON.parse(body) as { ok: boolean; errors?: Record<string, string> };
    expect(answer.ok).toBe(false);
    expect(Object.keys(answer.errors ?? {})).toEqual(expect.arrayContaining(["imagesPerScene", "itmThreshold"]));
  }
  expect(await fs.stack.db.shop.findUnique({ where: { shop: DEMO_SHOP } })).toEqual(before);
});

faultCase(
  "brand preset: markup, 10,000 characters and control characters as its name and words, saved or changed",
  {},
  async () => {
    const existing = await createBrandPreset(fs.stack.db, DEMO_SHOP, {
      name: "Counter",
      kind: "general",
      text: "on it",
    });
    for (const intent of ["create", "update"]) {
      for (const text of [TEXTS["HTML and script"], TEXTS["10,000 characters"], TEXTS["control characters"], ""]) {
        const response = await routePost(fs.stack, "/app/brand-presets", "routes/app.brand-presets", {
          intent,
          ...(intent === "update" ? { id: existing.id } : {}),
          name: text.slice(0, 30),
          kind: "general",
          text,
        });
        expect(response.status, "no server error").toBeLessThan(500);
        const body = await response.text();
        expect(body).not.toMatch(/<script>alert|<img src=x/);
        const answer = JSON.parse(body) as { ok: boolean; error?: string; field?: string };
        if (text === "" || text.length > 160)
          expect(answer).toMatchObject({ ok: false, field: text ? "text" : "name" });
        else expect(answer.ok, answer.error).toBe(true);
      }
      const rows = await fs.stack.db.brandPreset.findMany({ where: { shop: DEMO_SHOP } });
      expect(rows).toHaveLength(intent === "create" ? 3 : 1);
      for (const row of rows) expect(`${row.name} ${row.text}`).not.toMatch(/[<>\p{Cc}\p{Cf}]/u);
      // The changes go to the one preset left, whose names then cannot collide.
      await fs.stack.db.brandPreset.deleteMany({ where: { shop: DEMO_SHOP, id: { not: presetRowId(existing.id) } } });
    }
    await fs.stack.db.brandPreset.deleteMany({ where: { shop: DEMO_SHOP } });
  },
);

faultCase(
  "bulk generate when no default scene suits the product: refused with the reason, nothing queued",
  {},
  async () => {
    const sneaker = await storeProduct(fs.stack, "Colorful Sneaker");
    const before = await fs.stack.db.shop.findUnique({ where: { shop: DEMO_SHOP } });
    await fs.stack.db.shop.update({
      where: { shop: DEMO_SHOP },
      data: { defaultSceneIds: JSON.stringify(["kitchen-g", "holiday-table-s"]) },
    });
    try {
      const response = await routePost(fs.stack, "/app", "routes/app._index", { productId: [sneaker.id] });
      const answer = (await response.json()) as { ok: boolean; message?: string };
      expect(answer.message).toMatch(/1 product could not be started: None of the default scenes suits “sneaker”/);
      expect(await fs.stack.db.generation.count({ where: { subject: { productId: sneaker.id } } })).toBe(0);
    } finally {
      await fs.stack.db.shop.update({ where: { shop: DEMO_SHOP }, data: { defaultSceneIds: before!.defaultSceneIds } });
    }
  },
);

faultCase(
  "admin action API: bodies that are not JSON, not objects, or carry markup and 10,000-character ids",
  {},
  async () => {
    const vase = await storeProduct(fs.stack, "Vase");
    const post = (body: string, contentType = "application/json") =>
      fs.stack.appFetch("/api/scenes/generate", {
        method: "POST",
        body,
        headers: { "Content-Type": contentType, Origin: "https://extensions.shopifycdn.com" },
      });
    const bodies: Array<[string, string, string?]> = [
      ["not JSON", "{productIds: ["],
      ["null", "null"],
      ["an array", JSON.stringify([vase.id])],
      ["ids that are objects", JSON.stringify({ productIds: [{ id: vase.id }] })],
      ["markup as an id", JSON.stringify({ productIds: [TEXTS["HTML and script"]] })],
      ["a 10,000-character id", JSON.stringify({ productIds: [`gid://shopify/Product/${"9".repeat(10_000)}`] })],
      ["control characters in an id", JSON.stringify({ productIds: [`gid://shopify/Product/1\u0000\u0007`] })],
      ["form data", "productIds=1", "application/x-www-form-urlencoded"],
    ];
    const before = await fs.stack.db.generation.count();
    for (const [what, body, contentType] of bodies) {
      const response = await post(body, contentType);
      const text = await response.text();
      expect([400, 404, 413, 415], `${what}: HTTP ${response.status} ${text.slice(0, 200)}`).toContain(response.status);
      expect(text, what).not.toMatch(/<script>alert|<img src=x/);
      expect((JSON.parse(text) as { error?: string }).error, what).toBeTruthy();
    }
    expect(await fs.stack.db.generation.count()).toBe(before);
  },
);
