import sharp, { type Sharp } from "sharp";
import { srgbToLab } from "../dataset/descriptors";

/**
 * A product matte for photos on a plain backdrop (catalog packshots on white or grey), seeded from
 * the frame's border: the backdrop colour is the border's median colour, and every pixel joined to
 * the border through pixels of about that colour is backdrop; the rest is the product (with its
 * shadow). No model: busy backgrounds (products in the wild) get `plain: false` and callers keep
 * their whole-frame methods.
 */
export interface Matte {
  /** The grid the mask was computed on (the photo scaled to at most MATTE_SIDE on its long side). */
  width: number;
  height: number;
  /** 1 = product, 0 = backdrop; row-major, width × height. */
  mask: Uint8Array;
  /** The backdrop's colour (sRGB), the border's median. */
  backdrop: { r: number; g: number; b: number };
  /** Share of the border's pixels that are backdrop: 1 when the product touches no edge, low for a busy background. */
  borderBackdrop: number;
  /** Share of the frame that is product. */
  productShare: number;
  /** The product's bounding box as fractions of the frame (0–1), or null when no product was found. */
  box: { left: number; top: number; right: number; bottom: number } | null;
  /** Whether the matte can be trusted: a plain backdrop along most of the border and a product that neither vanishes nor fills the frame. */
  plain: boolean;
}

export const MATTE_RULES = {
  /** Long side of the grid the matte is computed on. */
  side: 256,
  /** ΔE*ab from the backdrop colour under which a pixel is backdrop: JPEG noise and soft gradients stay below, product edges above. */
  toleranceDeltaE: 10,
  /** Share of the border that must be backdrop for the matte to be trusted (a product may touch part of one edge). */
  minBorderBackdrop: 0.8,
  minProductShare: 0.002,
  maxProductShare: 0.9,
} as const;

/** The matte of raw RGB pixels (3 channels, row-major). */
export function matteFromPixels(data: Uint8Array | Buffer, width: number, height: number): Matte {
  const n = width * height;
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(x, (height - 1) * width + x);
  for (let y = 1; y < height - 1; y++) border.push(y * width, y * width + width - 1);

  const medianOf = (values: number[]) => {
    const sorted = [...values].sort((p, q) => p - q);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  const backdropIndex = (channel: number) => medianOf(border.map((i) => data[i * 3 + channel]!));
  const backdrop = { r: backdropIndex(0), g: backdropIndex(1), b: backdropIndex(2) };
  const [bl, ba, bb] = srgbToLab(backdrop.r, backdrop.g, backdrop.b);
  // Each pixel's verdict once, before the flood visits it from up to four sides. Its Lab is rounded to
  // 32-bit floats as the matte always stored it, so the verdicts at the tolerance's edge stay the same.
  const backdropColour = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const [l, a, b] = srgbToLab(data[i * 3]!, data[i * 3 + 1]!, data[i * 3 + 2]!);
    const distance = Math.hypot(Math.fround(l) - bl, Math.fround(a) - ba, Math.fround(b) - bb);
    backdropColour[i] = distance < MATTE_RULES.toleranceDeltaE ? 1 : 0;
  }

  // Flood from the border through backdrop-coloured pixels; what it cannot reach is the product.
  const mask = new Uint8Array(n).fill(1);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  let borderBackdropCount = 0;
  for (const i of border) {
    if (backdropColour[i] === 1) {
      borderBackdropCount++;
      if (mask[i] === 1) {
        mask[i] = 0;
        queue[tail++] = i;
      }
    }
  }
  const visit = (j: number) => {
    if (mask[j] === 1 && backdropColour[j] === 1) {
      mask[j] = 0;
      queue[tail++] = j;
    }
  };
  while (head < tail) {
    const i = queue[head++]!;
    const x = i % width;
    if (x > 0) visit(i - 1);
    if (x < width - 1) visit(i + 1);
    if (i >= width) visit(i - width);
    if (i + width < n) visit(i + width);
  }

  // The box ignores lone pixels (JPEG specks on the backdrop).
  let [left, top, right, bottom] = [width, height, -1, -1];
  let product = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (mask[i] === 0) continue;
      product++;
      const joined =
        (x > 0 && mask[i - 1] === 1) ||
        (x < width - 1 && mask[i + 1] === 1) ||
        (y > 0 && mask[i - width] === 1) ||
        (y < height - 1 && mask[i + width] === 1);
      if (!joined) continue;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  const box =
    right < 0
      ? null
      : { left: left / width, top: top / height, right: (right + 1) / width, bottom: (bottom + 1) / height };
  const borderBackdrop = borderBackdropCount / border.length;
  const productShare = product / n;
  const plain =
    box !== null &&
    borderBackdrop >= MATTE_RULES.minBorderBackdrop &&
    productShare >= MATTE_RULES.minProductShare &&
    productShare <= MATTE_RULES.maxProductShare;
  return { width, height, mask, backdrop, borderBackdrop, productShare, box, plain };
}

/** The matte of an image (any format sharp reads, or a sharp pipeline ending in an 8-bit sRGB image). */
export async function plainBackdropMatte(image: Buffer | Sharp): Promise<Matte> {
  const pipeline = Buffer.isBuffer(image) ? sharp(image).rotate() : image;
  const { data, info } = await pipeline
    .flatten({ background: "#ffffff" })
    .toColourspace("srgb")
    .resize(MATTE_RULES.side, MATTE_RULES.side, { fit: "inside", kernel: "cubic" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return matteFromPixels(data, info.width, info.height);
}
