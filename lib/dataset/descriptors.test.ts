import { readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { plainBackdropMatte } from "../images/matte";
import { preparePhoto } from "../images/prepare-photo";
import { dreambenchDir } from "../shared-data";
import {
  backgroundRing,
  decodePicture,
  detail,
  differenceHash,
  matteInput,
  productView,
  srgbToLab,
} from "./descriptors";

/** The conversion as written before its 8-bit table, to hold the table to the same numbers. */
function referenceLab(r: number, g: number, b: number): [number, number, number] {
  const linear = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const [R, G, B] = [linear(r), linear(g), linear(b)];
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const x = f((R * 0.4124 + G * 0.3576 + B * 0.1805) / 0.95047);
  const y = f(R * 0.2126 + G * 0.7152 + B * 0.0722);
  const z = f((R * 0.0193 + G * 0.1192 + B * 0.9505) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

describe("srgbToLab", () => {
  it("gives the same numbers for every 8-bit value and for values between them", () => {
    for (let c = 0; c < 256; c++) {
      expect(srgbToLab(c, 255 - c, (c * 7) % 256)).toEqual(referenceLab(c, 255 - c, (c * 7) % 256));
    }
    for (const c of [0.5, 10.25, 127.5, 254.9]) expect(srgbToLab(c, c, c)).toEqual(referenceLab(c, c, c));
  });
});

describe("decodePicture", () => {
  it("decodes a prepared crop once, and every descriptor reads the same from its pixels as from the PNG", async () => {
    const photos = ["vase/02.jpg", "backpack/00.jpg"];
    for (const name of photos) {
      const { png } = await preparePhoto(await readFile(path.join(dreambenchDir(), name)));
      const picture = await decodePicture(png);
      expect(Buffer.isBuffer(picture), name).toBe(false);
      expect(await backgroundRing(picture), name).toEqual(await backgroundRing(png));
      expect(await differenceHash(picture), name).toEqual(await differenceHash(png));
      expect(await detail(picture), name).toBe(await detail(png));
      const [matte, fromPng] = [await plainBackdropMatte(matteInput(picture)), await plainBackdropMatte(png)];
      expect(matte, name).toEqual(fromPng);
      const box = matte.box ?? { left: 0.2, top: 0.1, right: 0.7, bottom: 0.9 };
      expect(await productView(picture, box), name).toEqual(await productView(png, box));
    }
  });

  it("leaves other images encoded: a JPEG (shrink-on-load), a PNG with alpha or an orientation to apply", async () => {
    const rgb = { width: 64, height: 48, channels: 3 as const, background: "#c83" };
    const images = [
      await sharp({ create: rgb }).jpeg().toBuffer(),
      await sharp({ create: { ...rgb, channels: 4, background: "#c838" } })
        .png()
        .toBuffer(),
      await sharp({ create: rgb }).withMetadata({ orientation: 6 }).png().toBuffer(),
    ];
    for (const image of images) expect(await decodePicture(image)).toBe(image);
  });
});
