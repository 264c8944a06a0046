import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BAD_IMAGES } from "../scoring/bad-images";
import { ExecutionProviderError, ImageInputError } from "../scoring/errors";
import { prepareUpscaler, type Upscaler } from "./upscaler";

let dir: string;
let upscaler: Upscaler;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "upscaler-"));
  upscaler = await prepareUpscaler({ tier: "medium", scale: 4, modelsDir: dir, tile: { tileSize: 128, overlap: 16 } });
});
afterAll(async () => {
  await upscaler?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** A smooth, photo-like test image (soft blobs on gradients). */
async function smooth(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      const r = Math.hypot(x - width * 0.4, y - height * 0.5) / width;
      raw[p] = 200 * Math.exp(-8 * r * r) + 30;
      raw[p + 1] = (120 * x) / width + 60 * Math.sin(y / 9);
      raw[p + 2] = 90 + 80 * Math.cos((x + y) / 17);
    }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

function psnr(a: Buffer, b: Buffer): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
}

describe("upscaleTo", () => {
  it("256 px -> 2048 px PNG, sRGB, with metadata", async () => {
    const out = await upscaler.upscaleTo(await smooth(256, 256), {
      size: 2048,
      format: "png",
      description: "a teapot (red) on the beach",
    });
    expect(out).toMatchObject({ width: 2048, height: 2048, format: "png", contentType: "image/png", usedModel: true });
    expect(out.conversions.join()).toMatch(/ESRGAN x4 gave 1024 px; Lanczos enlarged the rest/);
    const meta = await sharp(out.data).metadata();
    expect(meta).toMatchObject({ format: "png", width: 2048, height: 2048, space: "srgb", channels: 3 });
    expect(meta.icc?.length).toBeGreaterThan(0);
    const exif = meta.exif?.toString("latin1") ?? "";
    expect(exif).toContain("SceneBooth ESRGAN medium x4");
    expect(exif).toContain("a teapot [red] on the beach");
  });

  it("keeps the aspect ratio and writes JPEG and WebP", async () => {
    const input = await smooth(200, 120);
    const jpeg = await upscaler.upscaleTo(input, { size: 512, format: "jpeg", quality: 80 });
    expect([jpeg.width, jpeg.height, (await sharp(jpeg.data).metadata()).format]).toEqual([512, 307, "jpeg"]);
    const webp = await upscaler.upscaleTo(input, { size: 512, format: "webp" });
    expect([webp.width, webp.height, (await sharp(webp.data).metadata()).format]).toEqual([512, 307, "webp"]);
  });

  // A sanity check that the output is the picture, not noise; quality figures on real photos are in
  // bench/upscale.bench.ts (GAN-trained super-resolution is not tuned for PSNR).
  it("reconstructs a downscaled image about as well as Lanczos (not noise)", async () => {
    const original = await smooth(256, 256);
    const small = await sharp(original).resize(64, 64, { kernel: "lanczos3" }).png().toBuffer();
    const esrgan = await upscaler.upscaleTo(small, { size: 256 });
    const raw = (b: Buffer) => sharp(b).removeAlpha().raw().toBuffer();
    const lanczos = await sharp(small).resize(256, 256, { kernel: "lanczos3" }).raw().toBuffer();
    const target = await raw(original);
    const esrganPsnr = psnr(await raw(esrgan.data), target);
    expect(esrganPsnr).toBeGreaterThan(20); // pure noise would score about 8 dB here
    expect(esrganPsnr).toBeGreaterThan(psnr(lanczos, target) - 3);
  });

  it("an input already as large as the target is only resized with Lanczos", async () => {
    const out = await upscaler.upscaleTo(await smooth(2400, 1600), { size: 2048, format: "jpeg" });
    expect([out.width, out.height, out.usedModel]).toEqual([2048, 1365, false]);
  });

  it("bad inputs give a typed error or a documented conversion", async () => {
    for (const bad of BAD_IMAGES) {
      const bytes = await bad.bytes();
      if ("error" in bad.expect) {
        const error = await upscaler.upscaleTo(bytes, { size: 256 }).catch((e: unknown) => e);
        expect(error, bad.name).toBeInstanceOf(ImageInputError);
        expect((error as ImageInputError).code, bad.name).toBe(bad.expect.error);
      } else {
        const out = await upscaler.upscaleTo(bytes, { size: 256 });
        expect(out.conversions.join("; "), bad.name).toMatch(bad.expect.conversion);
        expect((await sharp(out.data).metadata()).channels, bad.name).toBe(3);
      }
    }
  });

  it("rejects bad options and an unavailable execution provider", async () => {
    const input = await smooth(64, 64);
    await expect(upscaler.upscaleTo(input, { size: 0 })).rejects.toThrow(RangeError);
    await expect(upscaler.upscaleTo(input, { format: "gif" as never })).rejects.toThrow(/png, jpeg or webp/);
    await expect(
      prepareUpscaler({ tier: "medium", scale: 4, modelsDir: dir, executionProvider: "cuda" }),
    ).rejects.toThrow(ExecutionProviderError);
  });
});
