// Busy-background photos for the segmentation tests, and the matte a good segmenter would give them
// (a fake for BiRefNet, whose weights tests never fetch).
import sharp from "sharp";
import { MATTE_RULES } from "../../lib/images/matte";
import { matteFromAlpha } from "../../lib/images/segment";

/** A busy background (noise from `seed`) with a red square product at (left, top), side `size`. */
export async function busyPhoto(
  width: number,
  height: number,
  product: { left: number; top: number; size: number },
  seed = 7,
) {
  const noise = Buffer.alloc(width * height * 3);
  for (let i = 0; i < noise.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    noise[i] = seed >> 23;
  }
  const square = await sharp({
    create: { width: product.size, height: product.size, channels: 3, background: { r: 200, g: 20, b: 20 } },
  })
    .png()
    .toBuffer();
  return sharp(noise, { raw: { width, height, channels: 3 } })
    .composite([{ input: square, left: product.left, top: product.top }])
    .png()
    .toBuffer();
}

/** What a good segmenter returns for busyPhoto: the square, exactly, on the matte grid and at the photo's size. */
export async function squareMatte(photo: Buffer, product: { left: number; top: number; size: number }) {
  const meta = await sharp(photo).metadata();
  const square = (width: number, height: number, scale: number) => {
    const alpha = Buffer.alloc(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const inside =
          x >= product.left * scale &&
          x < (product.left + product.size) * scale &&
          y >= product.top * scale &&
          y < (product.top + product.size) * scale;
        alpha[y * width + x] = inside ? 255 : 0;
      }
    return alpha;
  };
  const scale = MATTE_RULES.side / Math.max(meta.width!, meta.height!);
  const [width, height] = [Math.round(meta.width! * scale), Math.round(meta.height! * scale)];
  return matteFromAlpha(square(width, height, scale), Buffer.alloc(width * height * 3, 90), width, height, {
    alpha: square(meta.width!, meta.height!, 1),
    alphaWidth: meta.width!,
    alphaHeight: meta.height!,
  });
}

/** What a confident segmenter returns for any photo: a disc in the middle (the fake for code that only needs a trusted matte). */
export async function discMatte(photo: Buffer) {
  const meta = await sharp(photo).metadata();
  const disc = (width: number, height: number) => {
    const alpha = Buffer.alloc(width * height);
    const r = 0.3 * Math.min(width, height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        alpha[y * width + x] = (x - (width - 1) / 2) ** 2 + (y - (height - 1) / 2) ** 2 <= r * r ? 255 : 0;
    return alpha;
  };
  const scale = MATTE_RULES.side / Math.max(meta.width!, meta.height!);
  const [width, height] = [Math.round(meta.width! * scale), Math.round(meta.height! * scale)];
  return matteFromAlpha(disc(width, height), Buffer.alloc(width * height * 3, 90), width, height, {
    alpha: disc(meta.width!, meta.height!),
    alphaWidth: meta.width!,
    alphaHeight: meta.height!,
  });
}
