// The segmentation model's matte: the real ONNX path on the tiny random stand-in (shapes and the
// quality figures; its mattes mean nothing), the trust rules on known alphas, and the choice of border
// or model matte with a fake segmenter (a stand-in for BiRefNet's weights, which tests never fetch).
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config } from "../config";
import { cutOut } from "./composite";
import { busyPhoto, squareMatte } from "../../tests/harness/busy-photo";
import {
  matteFromAlpha,
  openSegmenter,
  productMatte,
  SEGMENTER_MANIFEST,
  segmenterDir,
  SegmenterFilesError,
  type Segmenter,
} from "./segment";

const tinyDir = segmenterDir(config().modelsDir, "tiny");

describe("the segmenter's ONNX path (tiny random stand-in)", () => {
  let segmenter: Segmenter;
  beforeAll(async () => {
    segmenter = await openSegmenter(tinyDir);
  });
  afterAll(() => segmenter?.close());

  it("reads BiRefNet's names and shapes from the export and gives an alpha at the photo's size", async () => {
    expect(segmenter.manifest).toMatchObject({
      standIn: true,
      input: "input_image",
      output: "output_image",
      side: 1024,
      outputIs: "logits",
    });
    const photo = await busyPhoto(300, 200, { left: 100, top: 50, size: 100 });
    const matte = await segmenter.segment(photo);
    expect([matte.alphaWidth, matte.alphaHeight, matte.alpha.length]).toEqual([300, 200, 300 * 200]);
    expect([matte.width, matte.height, matte.mask.length]).toEqual([256, 171, 256 * 171]);
    for (const share of [matte.borderBackdrop, matte.productShare, matte.uncertain, matte.cohesion]) {
      expect(share).toBeGreaterThanOrEqual(0);
      expect(share).toBeLessThanOrEqual(1);
    }
    // The mask is the alpha at 0.5, and the product share is the mask's.
    expect(matte.productShare).toBeCloseTo(matte.mask.reduce((sum, v) => sum + v, 0) / matte.mask.length, 6);
    expect(matte.trusted).toBe(matte.plain && matte.cohesion >= 0.9);
  });

  it("refuses a missing or altered model with a clear error", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "segmenter-"));
    try {
      await expect(openSegmenter(dir)).rejects.toThrow(/segmentation model missing or unreadable/);
      await copyFile(path.join(tinyDir, SEGMENTER_MANIFEST), path.join(dir, SEGMENTER_MANIFEST));
      await writeFile(path.join(dir, "segmenter.onnx"), "not a graph");
      const error = await openSegmenter(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SegmenterFilesError);
      expect((error as Error).message).toMatch(/could not be loaded \(checksum mismatch/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("trusting a model's matte", () => {
  const grid = (width: number, height: number, alphaAt: (x: number, y: number) => number) => {
    const alpha = Buffer.alloc(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) alpha[y * width + x] = alphaAt(x, y);
    return matteFromAlpha(alpha, Buffer.alloc(width * height * 3), width, height, {
      alpha,
      alphaWidth: width,
      alphaHeight: height,
    });
  };

  it("trusts a confident product in one piece away from the border", () => {
    const matte = grid(100, 100, (x, y) => (x >= 30 && x < 70 && y >= 20 && y < 90 ? 255 : 0));
    expect(matte).toMatchObject({ borderBackdrop: 1, cohesion: 1, uncertain: 0, plain: true, trusted: true });
    expect(matte.productShare).toBeCloseTo(0.28, 6);
    expect(matte.box).toEqual({ left: 0.3, top: 0.2, right: 0.7, bottom: 0.9 });
  });

  it("does not trust a hesitant model, a product filling the frame, or one in pieces", () => {
    const hesitant = grid(100, 100, (x) => (x < 50 ? 100 : 160));
    expect(hesitant.uncertain).toBe(1);
    expect(hesitant.trusted).toBe(false);
    const filling = grid(100, 100, () => 255);
    expect(filling.borderBackdrop).toBe(0);
    expect(filling.trusted).toBe(false);
    const pieces = grid(100, 100, (x, y) => (((x > 10 && x < 30) || (x > 60 && x < 80)) && y > 10 && y < 90 ? 255 : 0));
    expect(pieces.cohesion).toBeCloseTo(0.5, 1);
    expect(pieces.trusted).toBe(false);
  });
});

describe("border matte first, the model's on busy backgrounds", () => {
  const product = { left: 120, top: 100, size: 180 };

  it("takes a trusted model matte on a busy background, and it cuts the product out", async () => {
    const photo = await busyPhoto(512, 512, product);
    const good = await squareMatte(photo, product);
    const chosen = await productMatte(photo, async () => good);
    expect(chosen.from).toBe("model");
    const cutout = await cutOut(photo, chosen.matte);
    expect([cutout.left, cutout.top]).toEqual([product.left - 4, product.top - 4]);
  });

  it("keeps the border matte on a plain backdrop without asking the model, and when the model fails or hesitates", async () => {
    const plain = await sharp({ create: { width: 400, height: 400, channels: 3, background: "#ffffff" } })
      .composite([{ input: await busyPhoto(150, 150, { left: 0, top: 0, size: 10 }), left: 120, top: 120 }])
      .png()
      .toBuffer();
    let asked = 0;
    const plainChoice = await productMatte(plain, async () => {
      asked++;
      throw new Error("not asked");
    });
    expect([plainChoice.from, plainChoice.matte.plain, asked]).toEqual(["border", true, 0]);

    const busy = await busyPhoto(512, 512, product);
    const failed = await productMatte(busy, async () => {
      throw new SegmenterFilesError("segmentation model segmenter.onnx could not be loaded");
    });
    expect(failed).toMatchObject({ from: "border", problem: "segmentation model segmenter.onnx could not be loaded" });
    expect(failed.matte.plain).toBe(false);
    const hesitant = await productMatte(busy, async () => ({ ...(await squareMatte(busy, product)), plain: false }));
    expect(hesitant.from).toBe("border");
  });
});
