import { readFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, expect, it } from "vitest";
import { config } from "../../lib/config";
import { LocalBlobStore, parseBlobKey, shopPrefix } from "../../lib/storage";
import { runTunerOnce as runTuner } from "../tuner-process";
import { withSharedClassImages } from "./class-images";

// The real tuner on the tiny profile (4 class images at 64 px), offline; two hosts share one blob store.
const cfg = { ...config(), modelProfile: "tiny" as const };
const env = { SCENEBOOTH_MODELS_DIR: cfg.modelsDir, SCENEBOOTH_OFFLINE: "1" };
const SHOP = "shop-a.myshopify.com";

let tmp: string;
let photos: string[];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "class-images-"));
  photos = await Promise.all(
    [0, 1, 2].map(async (i) => {
      const file = path.join(tmp, `photo-${i}.png`);
      await sharp({ create: { width: 768, height: 768, channels: 3, background: { r: 70 * i, g: 90, b: 160 } } })
        .png()
        .toFile(file);
      return file;
    }),
  );
});

afterAll(() => rm(tmp, { recursive: true, force: true }));

/** A worker host with its own work folder: fetches the fleet's class images, trains one step, shares. */
async function trainOn(host: string, store: LocalBlobStore) {
  const cacheDir = path.join(tmp, host, "class-images");
  const lines: string[] = [];
  const result = await withSharedClassImages(
    store,
    cfg,
    "teddy bear",
    cacheDir,
    (line) => lines.push(line),
    () =>
      runTuner({
        python: cfg.python,
        command: "train",
        workDir: path.join(tmp, host, "job"),
        timeoutMs: 240_000,
        env,
        spec: {
          profile: "tiny",
          classNoun: "teddy bear",
          outputDir: path.join(tmp, host, "job", "train"),
          cacheDir,
          instances: photos.map((image) => ({ image, caption: "a teddy bear on a table" })),
          steps: { unet: 1, textEncoder: 0, adaptive: false },
        },
      }),
  );
  return { prior: result.prior, lines };
}

// Two tuner processes one after the other (20 to 50 s alone), while another test file runs beside it.
it("a second host reuses the class images the first one made, from the blob store", { timeout: 300_000 }, async () => {
  const store = new LocalBlobStore({
    rootDir: path.join(tmp, "blobs"),
    publicBaseUrl: "http://app.test",
    signingKey: "k",
  });

  const first = await trainOn("host-a", store);
  expect(first.prior.classImagesGenerated).toBe(4);
  const stored = await store.list("global/class-images/");
  expect(stored.map((key) => path.posix.basename(key))).toEqual(["0000.png", "0001.png", "0002.png", "0003.png"]);

  const second = await trainOn("host-b", store);
  expect(second.prior.classImagesGenerated).toBe(0); // made none: fetched all four
  expect(second.lines).toEqual([expect.stringMatching(/: 4 fetched from the blob store$/)]);
  const [dirA, dirB] = [first.prior.classImagesDir!, second.prior.classImagesDir!];
  expect(dirB).not.toBe(dirA);
  for (const key of stored) {
    const name = path.posix.basename(key);
    expect(await readFile(path.join(dirB, name))).toEqual(await readFile(path.join(dirA, name)));
  }

  // Nobody's shop data: out of every shop's listing and purge, and no URL or row can name it.
  expect(await store.list(shopPrefix(SHOP))).toEqual([]);
  await store.deleteByPrefix(shopPrefix(SHOP));
  expect(await store.list("global/class-images/")).toEqual(stored);
  expect(() => parseBlobKey(stored[0]!)).toThrow();
});
