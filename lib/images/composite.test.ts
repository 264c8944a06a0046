// Background replacement on the packshot test set: the product of a photo on white is cut out with its
// matte and placed on another background, and the backdrop is gone from the result.
import { readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { composite, cutOut, type Cutout } from "./composite";
import { plainBackdropMatte } from "./matte";
import { preparePhoto } from "./prepare-photo";
import { checkDataset } from "../dataset/dataset-check";

const packshot = (name: string) =>
  readFile(path.join(import.meta.dirname, "../../tests/fixtures/packshots", `${name}.png`));
const GREEN = { r: 40, g: 140, b: 60 };
const shadow = { opacity: 0.35, blur: 0.06 };
const PLACE = { scale: 0.85, dx: 0.05, dy: 0 };

async function pixel(png: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const i = (Math.round(y) * info.width + Math.round(x)) * info.channels;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

let photo: Buffer;
let cutout: Cutout;
let green: Buffer;

beforeAll(async () => {
  photo = (await preparePhoto(await packshot("carton-0"))).png;
  cutout = await cutOut(photo, await plainBackdropMatte(photo));
  green = await sharp({ create: { width: 300, height: 200, channels: 3, background: GREEN } })
    .png()
    .toBuffer();
});

describe("cutting a packshot's product out and placing it on another background", () => {
  it("cuts out the product's box with the backdrop transparent", async () => {
    expect(cutout.size).toBe(768);
    expect(cutout.width).toBeGreaterThan(100);
    expect(cutout.width).toBeLessThan(768);
    const { data, info } = await sharp(cutout.png).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(4);
    expect(data[3], "a corner of the box is backdrop").toBeLessThan(20);
    const centre = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * 4;
    expect(data[centre + 3], "the box's centre is product").toBe(255);
  });

  it("replaces the backdrop, keeps the product's colours, and puts a shadow under it", async () => {
    const png = await composite(cutout, green, { scale: 1, dx: 0, dy: 0 }, shadow);
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([768, 768, 3]);
    expect(await pixel(png, 5, 5), "the backdrop is gone").toEqual([GREEN.r, GREEN.g, GREEN.b]);
    const [cx, cy] = [cutout.left + cutout.width / 2, cutout.top + cutout.height / 2];
    const before = await pixel(photo, cx, cy);
    const after = await pixel(png, cx, cy);
    for (const c of [0, 1, 2]) expect(Math.abs(after[c]! - before[c]!), "the product's colour").toBeLessThan(6);
    // Just below the product's base, in its middle: darker than the background.
    const below = await pixel(png, cx, Math.min(767, cutout.top + cutout.height + 2));
    expect(below[1]).toBeLessThan(GREEN.g - 10);
  });

  it("scales and shifts the product, keeping it whole inside the frame", async () => {
    const png = await composite(cutout, green, { scale: 0.7, dx: 0.5, dy: 0 }, shadow);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const row = Math.round(cutout.top + cutout.height / 2);
    const product: number[] = [];
    for (let x = 0; x < info.width; x++) {
      const i = (row * info.width + x) * info.channels;
      if (Math.abs(data[i]! - GREEN.r) + Math.abs(data[i + 1]! - GREEN.g) + Math.abs(data[i + 2]! - GREEN.b) > 30)
        product.push(x);
    }
    const [first, last] = [product[0]!, product.at(-1)!];
    expect(last, "pushed against the right edge, not past it").toBeGreaterThan(767 - 12);
    expect(last - first).toBeGreaterThan(cutout.width * 0.7 - 16);
    expect(last - first).toBeLessThan(cutout.width * 0.7 + 2);
  });

  it("gives a one-backdrop set the background diversity it lacked", async () => {
    const colours = ["#8a5a3c", "#dcdcd2", "#3c6e50", "#46505f"];
    const poses = ["carton-0", "carton-1", "carton-2", "carton-3"];
    const inputs = await Promise.all(
      poses.map(async (name, i) => {
        const png = (await preparePhoto(await packshot(name))).png;
        const background = await sharp({ create: { width: 64, height: 64, channels: 3, background: colours[i]! } })
          .png()
          .toBuffer();
        const placed = await composite(await cutOut(png, await plainBackdropMatte(png)), background, PLACE, shadow);
        return { id: name, png: placed, sourceWidth: 768, sourceHeight: 768 };
      }),
    );
    expect((await checkDataset(inputs)).backgroundDiversity.low).toBe(false);
  });

  it("refuses a photo whose matte cannot be trusted", async () => {
    const busy = await sharp({ create: { width: 64, height: 64, channels: 3, background: GREEN } })
      .png()
      .toBuffer();
    await expect(cutOut(busy, await plainBackdropMatte(busy))).rejects.toThrow(/not trusted/);
  });
});
