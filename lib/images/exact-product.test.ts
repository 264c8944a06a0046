import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { UNTRUSTED_MATTE_MESSAGE } from "../pipeline/generation-modes";
import { ExactProductError, exactLayer, pasteBack, productSource } from "./exact-product";
import { placeProduct } from "./placement";
import { busyPhoto, squareMatte } from "../../tests/harness/busy-photo";

// A packshot made here: a smoothly patterned 300×500 product on a white 1200×1000 backdrop, so that
// where the product is, and what its pixels are after any resize, is known without the matte.
const PHOTO = { width: 1200, height: 1000 };
const PRODUCT = { left: 400, top: 250, width: 300, height: 500 };

function productPixel(x: number, y: number): [number, number, number] {
  return [
    40 + Math.round((150 * x) / PRODUCT.width),
    30 + Math.round((120 * y) / PRODUCT.height),
    90 + Math.round(50 * Math.sin(x / 40) * Math.cos(y / 60)),
  ];
}

async function packshot(): Promise<Buffer> {
  const data = Buffer.alloc(PHOTO.width * PHOTO.height * 3, 255);
  for (let y = 0; y < PRODUCT.height; y++) {
    for (let x = 0; x < PRODUCT.width; x++) {
      const o = ((PRODUCT.top + y) * PHOTO.width + PRODUCT.left + x) * 3;
      data.set(productPixel(x, y), o);
    }
  }
  return sharp(data, { raw: { ...PHOTO, channels: 3 } })
    .png()
    .toBuffer();
}

/** The product's pixels resized to `width` × `height`, independently of the code under test. */
async function expectedProduct(photo: Buffer, width: number, height: number): Promise<Buffer> {
  return sharp(photo)
    .extract(PRODUCT)
    .resize(width, height, { fit: "fill", kernel: "lanczos3" })
    .removeAlpha()
    .raw()
    .toBuffer();
}

const BASE: [number, number, number] = [20, 200, 60];

describe("exact-product images", () => {
  it("finds the product's box on a plain backdrop and refuses a busy one with the merchant's message", async () => {
    const source = await productSource(await packshot());
    expect(source.box.left).toBeGreaterThanOrEqual(PRODUCT.left - 5);
    expect(source.box.left).toBeLessThanOrEqual(PRODUCT.left);
    expect(source.box.left + source.box.width).toBeGreaterThanOrEqual(PRODUCT.left + PRODUCT.width);
    expect(source.box.left + source.box.width).toBeLessThanOrEqual(PRODUCT.left + PRODUCT.width + 5);
    expect(source.box.top + source.box.height).toBeGreaterThanOrEqual(PRODUCT.top + PRODUCT.height);

    const noise = Buffer.alloc(400 * 300 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
    const busy = await sharp(noise, { raw: { width: 400, height: 300, channels: 3 } })
      .png()
      .toBuffer();
    const refused = await productSource(busy).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ExactProductError);
    expect((refused as Error).message).toBe(UNTRUSTED_MATTE_MESSAGE);
  });

  it("takes a busy-background photo when the segmentation model's matte is trusted, and cuts the product out with it", async () => {
    const square = { left: 300, top: 200, size: 240 };
    const busy = await busyPhoto(800, 600, square);
    await expect(productSource(busy)).rejects.toThrow(UNTRUSTED_MATTE_MESSAGE);
    // A fake segmenter (no weights in tests) that finds the square; a hesitant one is not trusted.
    const good = await squareMatte(busy, square);
    await expect(productSource(busy, async () => ({ ...good, plain: false, trusted: false }))).rejects.toThrow(
      UNTRUSTED_MATTE_MESSAGE,
    );
    const source = await productSource(busy, async () => good);
    // The box comes from the matte's grid (256 px on the long side): within a grid cell (800 / 256 px).
    const box = [source.box.left, source.box.top, source.box.width, source.box.height];
    [square.left, square.top, square.size, square.size].forEach((v, i) =>
      expect(Math.abs(box[i]! - v)).toBeLessThan(5),
    );
    const layer = await exactLayer(source, placeProduct("general", 1), 512);
    const { data } = await sharp(layer).raw().toBuffer({ resolveWithObject: true });
    // Opaque pixels are the product's red only: none of the noise around it comes along.
    let [opaque, red] = [0, 0];
    for (let i = 0; i < 512 * 512; i++) {
      if (data[i * 4 + 3]! < 255) continue;
      opaque++;
      if (data[i * 4]! > 180 && data[i * 4 + 1]! < 50 && data[i * 4 + 2]! < 50) red++;
    }
    expect(opaque).toBeGreaterThan(0.5 * Math.round(placeProduct("general", 1).width * 512) ** 2);
    expect(red).toBe(opaque);
  });

  it("pastes the source photo's pixels back at 2048 px: equal inside the product, feathered at its edge, a contact shadow under it", async () => {
    const photo = await packshot();
    const source = { ...(await productSource(photo)), box: { ...PRODUCT } };
    const size = 2048;
    const placement = placeProduct("general", PRODUCT.height / PRODUCT.width);
    const base = Buffer.alloc(size * size * 3);
    for (let i = 0; i < size * size; i++) base.set(BASE, i * 3);
    const out = await pasteBack(base, size, source, placement);

    // Where the product must be: its box scaled so that its width is the placement's.
    const width = Math.round(placement.width * size);
    const height = Math.round(PRODUCT.height * (width / PRODUCT.width));
    const left = Math.round(placement.cx * size - width / 2);
    const top = Math.round(placement.bottom * size) - height;
    const expected = await expectedProduct(photo, width, height);

    let sum = 0;
    let max = 0;
    let n = 0;
    const inset = 12;
    for (let y = inset; y < height - inset; y += 3) {
      for (let x = inset; x < width - inset; x += 3) {
        for (let c = 0; c < 3; c++) {
          const d = Math.abs(out[((top + y) * size + left + x) * 3 + c]! - expected[(y * width + x) * 3 + c]!);
          sum += d;
          max = Math.max(max, d);
          n++;
        }
      }
    }
    expect(sum / n).toBeLessThan(1.5);
    expect(max).toBeLessThanOrEqual(12);

    // Across the left edge, halfway down: the scene well outside, the product well inside, and at
    // the edge itself pixels that mix the two (on the line between the scene's colour and the
    // product's, neither end): a feathered boundary, not a cut-out, and no backdrop white around it.
    const y = top + Math.round(height / 2);
    const at = (x: number) => [...out.subarray((y * size + x) * 3, (y * size + x) * 3 + 3)];
    const product = (x: number) => [
      ...expected.subarray(((y - top) * width + x - left) * 3, ((y - top) * width + x - left) * 3 + 3),
    ];
    expect(at(left - 12)).toEqual(BASE);
    expect(product(left + 16).every((v, c) => Math.abs(v - at(left + 16)[c]!) <= 4)).toBe(true);
    const edgeColour = product(left + 10);
    const mix = (pixel: number[]) => {
      const d = edgeColour.map((v, c) => v - BASE[c]!);
      const a = pixel.reduce((sum, v, c) => sum + (v - BASE[c]!) * d[c]!, 0) / d.reduce((sum, v) => sum + v * v, 0);
      const off = Math.hypot(...pixel.map((v, c) => v - (BASE[c]! + a * d[c]!)));
      return { a, off };
    };
    const edge = Array.from({ length: 25 }, (_, i) => mix(at(left - 8 + i)));
    const mixed = edge.filter(({ a, off }) => a > 0.1 && a < 0.9 && off < 15);
    expect(mixed.length).toBeGreaterThanOrEqual(2);
    expect(edge.every(({ off }) => off < 25)).toBe(true);

    // The contact shadow: darker just under the product's base, untouched far to its side.
    const under = ((top + height + 3) * size + left + Math.round(width / 2)) * 3;
    expect(out[under + 1]!).toBeLessThan(BASE[1] - 30);
    expect([...out.subarray(((top + height) * size + 20) * 3, ((top + height) * size + 20) * 3 + 3)]).toEqual(BASE);
  });

  it("makes the tuner's layer: an RGBA PNG of the output size, the product opaque, the rest transparent", async () => {
    const photo = await packshot();
    const source = await productSource(photo);
    const placement = placeProduct("specific", source.box.height / source.box.width);
    const layer = await exactLayer(source, placement, 768);
    const { data, info } = await sharp(layer).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([768, 768, 4]);
    const alpha = (x: number, y: number) => data[(y * 768 + x) * 4 + 3]!;
    const width = Math.round(placement.width * 768);
    const bottom = Math.round(placement.bottom * 768);
    expect(alpha(384, bottom - 20)).toBe(255);
    expect(alpha(384, bottom + 20)).toBe(0);
    expect(alpha(10, 10)).toBe(0);
    const edge = [];
    for (let x = 384 - Math.round(width / 2) - 4; x <= 384 - Math.round(width / 2) + 4; x++)
      edge.push(alpha(x, bottom - Math.round(width / 2)));
    expect(edge.some((a) => a > 0 && a < 255)).toBe(true);
  });
});
