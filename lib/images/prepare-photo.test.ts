import { readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { dreambenchDir } from "../shared-data";
import { plainBackdropMatte } from "./matte";
import { PhotoRejectedError } from "./photo-errors";
import { TRAINING_SIZE, preparePhoto } from "./prepare-photo";

async function expectRejected(input: Buffer, code: PhotoRejectedError["code"], message: RegExp) {
  const error = await preparePhoto(input).then(
    (prepared) => prepared.source,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PhotoRejectedError);
  expect((error as PhotoRejectedError).code).toBe(code);
  expect((error as PhotoRejectedError).reason).toMatch(message);
}

const solid = (width: number, height: number, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background: { r: 200, g: 40, b: 40, alpha: channels === 4 ? 0.3 : 1 } } });

describe("preparePhoto", () => {
  it("crops a real product photo to 768 around the product", async () => {
    const photo = await readFile(path.join(dreambenchDir(), "candle", "00.jpg"));
    const prepared = await preparePhoto(photo);
    const meta = await sharp(prepared.png).metadata();
    expect([meta.width, meta.height, meta.format, meta.space, meta.hasAlpha]).toEqual([
      TRAINING_SIZE,
      TRAINING_SIZE,
      "png",
      "srgb",
      false,
    ]);
    expect(prepared.source).toEqual({ width: 2048, height: 2048, format: "jpeg" });
    expect(prepared.crop).toEqual({ left: 0, top: 0, size: 2048 });
  });

  it("follows the product in a wide shot instead of taking the centre", async () => {
    // A red square on the right third of a grey panorama: the attention crop must include it.
    const panorama = await sharp({ create: { width: 1800, height: 600, channels: 3, background: "#808080" } })
      .composite([{ input: await solid(300, 300).png().toBuffer(), left: 1400, top: 150 }])
      .jpeg()
      .toBuffer();
    const prepared = await preparePhoto(panorama);
    expect(prepared.crop.size).toBe(600);
    // The whole product lies inside the crop (a centre crop would span 600…1200 and miss it).
    expect(prepared.crop.left).toBeLessThanOrEqual(1400);
    expect(prepared.crop.left + prepared.crop.size).toBeGreaterThanOrEqual(1700);
  });

  it("applies EXIF orientation before cropping", async () => {
    const tall = await solid(400, 800).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const prepared = await preparePhoto(tall);
    expect(prepared.source).toMatchObject({ width: 800, height: 400 });
  });

  it("converts CMYK, 16-bit and alpha photos, and says so", async () => {
    const cmyk = await solid(800, 800).jpeg().toColourspace("cmyk").toBuffer();
    expect((await preparePhoto(cmyk)).notes).toContain("CMYK converted to sRGB");
    const deep = await solid(800, 800, 4).toColourspace("rgb16").png().toBuffer();
    const prepared = await preparePhoto(deep);
    expect(prepared.notes).toEqual(
      expect.arrayContaining(["transparency flattened on white", "ushort samples reduced to 8-bit"]),
    );
    const meta = await sharp(prepared.png).metadata();
    expect([meta.depth, meta.hasAlpha]).toEqual(["uchar", false]);
    // Flattened on white: a 30 % opaque red over white is a light pink.
    const { channels } = await sharp(prepared.png).stats();
    expect(channels[1]!.mean).toBeGreaterThan(150);
  });

  it("upscales a small photo to 768 and notes it", async () => {
    const prepared = await preparePhoto(await solid(300, 400).png().toBuffer());
    expect((await sharp(prepared.png).metadata()).width).toBe(TRAINING_SIZE);
    expect(prepared.notes).toContain("upscaled from 300 px");
  });

  it("rejects what cannot be a training photo, with a reason", async () => {
    await expectRejected(Buffer.from("not an image at all"), "corrupt", /not a readable image/);
    const jpeg = await solid(800, 800).jpeg().toBuffer();
    await expectRejected(jpeg.subarray(0, jpeg.length / 3), "corrupt", /damaged or truncated/);
    await expectRejected(await solid(1, 1).png().toBuffer(), "too_small", /only 1×1 pixels/);
    await expectRejected(await solid(10_000, 10_001).jpeg().toBuffer(), "too_large", /100 megapixels/);
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800"><rect width="800" height="800"/></svg>',
    );
    await expectRejected(svg, "unsupported_format", /SVG/);
    const frame = (colour: string) =>
      sharp({ create: { width: 300, height: 300, channels: 3, background: colour } })
        .png()
        .toBuffer();
    const twoFrames = await sharp([await frame("#f00"), await frame("#00f")], { join: { animated: true } })
      .gif()
      .toBuffer();
    await expectRejected(twoFrames, "animated", /Animated/);
    const heicNamedJpeg = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from("ftypheic"), Buffer.alloc(64)]);
    await expectRejected(heicNamedJpeg, "corrupt", /not a readable image/);
  });
});

describe("preparePhoto on catalog packshots (tests/fixtures/packshots)", () => {
  const packshot = (name: string) =>
    readFile(path.join(import.meta.dirname, "../../tests/fixtures/packshots", `${name}.png`));

  it.each([
    ["bottle-portrait", "a 2:3 portrait"],
    ["bench-wide", "a 3:1 panorama"],
  ])("keeps the whole product of %s (%s) where it fills the frame, padding with the backdrop", async (name) => {
    const source = await packshot(name);
    const prepared = await preparePhoto(source);
    const { width, height } = prepared.source;
    // The product's box in the source, measured by the matte, lies inside the crop square.
    const before = await plainBackdropMatte(source);
    expect(before.plain).toBe(true);
    const box = before.box!;
    expect(prepared.crop.left).toBeLessThanOrEqual(box.left * width);
    expect(prepared.crop.top).toBeLessThanOrEqual(box.top * height);
    expect(prepared.crop.left + prepared.crop.size).toBeGreaterThanOrEqual(box.right * width);
    expect(prepared.crop.top + prepared.crop.size).toBeGreaterThanOrEqual(box.bottom * height);
    expect(prepared.notes).toContain("padded with the backdrop colour to keep the whole product");
    const { padding, crop } = prepared;
    expect(crop.size).toBe(padding.left + width + padding.right);
    expect(crop.size).toBe(padding.top + height + padding.bottom);
    // In the training crop the product touches no edge and stays large (its long side ≥ 90 % of the frame).
    const after = await plainBackdropMatte(prepared.png);
    expect(after.plain).toBe(true);
    expect(after.borderBackdrop).toBe(1);
    const long = Math.max(after.box!.right - after.box!.left, after.box!.bottom - after.box!.top);
    expect(long).toBeGreaterThan(0.9);
    // The padding has the backdrop's colour: the corners are the photo's backdrop.
    const corner = await sharp(prepared.png).extract({ left: 0, top: 0, width: 1, height: 1 }).raw().toBuffer();
    expect(`#${[...corner].map((c) => c.toString(16).padStart(2, "0")).join("")}`).toBe(prepared.backdrop.colour);
  });

  it("crops a square packshot whose product fits without padding", async () => {
    const prepared = await preparePhoto(await packshot("carton-0"));
    expect(prepared.backdrop).toMatchObject({ plain: true, borderBackdrop: 1, colour: "#ffffff" });
    expect(prepared.crop).toEqual({ left: 0, top: 0, size: 800 });
    expect(prepared.padding).toEqual({ left: 0, top: 0, right: 0, bottom: 0 });
  });

  it("keeps the attention crop for a photo in the wild (no plain backdrop)", async () => {
    const prepared = await preparePhoto(await readFile(path.join(dreambenchDir(), "candle", "00.jpg")));
    expect(prepared.backdrop.plain).toBe(false);
    expect(prepared.padding).toEqual({ left: 0, top: 0, right: 0, bottom: 0 });
  });
});
