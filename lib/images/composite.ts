import sharp from "sharp";
import type { Matte } from "./matte";

/**
 * Background replacement for a product on a plain backdrop: the matte (computed on a small grid) is
 * scaled to the photo with soft edges, the product's box is cut out with that alpha, and the cut-out is
 * placed on another background, scaled and shifted, over a soft contact shadow.
 */
export interface Cutout {
  /** RGBA PNG of the product's box. */
  png: Buffer;
  /** Where the box lies in the photo, in its pixels. */
  left: number;
  top: number;
  width: number;
  height: number;
  /** The photo's side (the composites keep it). */
  size: number;
}

/** Where a composite puts the cut-out: its scale, and its centre's shift as a share of the frame. */
export interface Placement {
  scale: number;
  dx: number;
  dy: number;
}

export interface ShadowSettings {
  /** Darkness at the shadow's centre, 0–1. */
  opacity: number;
  /** Blur as a share of the placed product's width. */
  blur: number;
}

/** Pixels of backdrop kept around the product's box, so the soft edge is not cut. */
const EDGE = 4;

/**
 * When a plain-backdrop matte makes a clean cut-out. `plain` alone is not enough: a white bowl on a
 * white cloth leaks into the backdrop and falls apart into pieces, a dark room reads as one dark
 * backdrop with scattered furniture. Cohesion is the share of the product's pixels in its largest
 * 4-connected piece: 0.95–1.00 on every packshot of tests/fixtures/packshots and on DreamBench's vase on
 * white (flowers and all), 0.49–0.72 on berry_bowl's bowl on a white cloth and 0.30 on teapot's dark
 * room (bench/results/dataset-calibration.md).
 */
export const CUTOUT_RULES = { minCohesion: 0.9 } as const;

export interface CutoutQuality {
  cohesion: number;
  /** Whether the product can be placed on other backgrounds: a plain matte in one piece. */
  trusted: boolean;
}

export function cutoutQuality(matte: Matte): CutoutQuality {
  const { width, height, mask } = matte;
  const n = width * height;
  const seen = new Uint8Array(n);
  const stack = new Int32Array(n);
  let [product, largest, top] = [0, 0, 0];
  const visit = (j: number) => {
    if (mask[j] === 1 && seen[j] === 0) {
      seen[j] = 1;
      stack[top++] = j;
    }
  };
  for (let start = 0; start < n; start++) {
    if (mask[start] === 0 || seen[start] === 1) continue;
    let size = 0;
    visit(start);
    while (top > 0) {
      const i = stack[--top]!;
      size++;
      const x = i % width;
      if (x > 0) visit(i - 1);
      if (x < width - 1) visit(i + 1);
      if (i >= width) visit(i - width);
      if (i + width < n) visit(i + width);
    }
    product += size;
    largest = Math.max(largest, size);
  }
  const cohesion = product === 0 ? 0 : largest / product;
  return { cohesion, trusted: matte.plain && cohesion >= CUTOUT_RULES.minCohesion };
}

/** The product of a square photo (the prepared crop) cut out with its plain-backdrop matte. */
export async function cutOut(photo: Buffer, matte: Matte): Promise<Cutout> {
  if (!cutoutQuality(matte).trusted || !matte.box)
    throw new Error("the matte is not trusted: the product cannot be cut out cleanly");
  const { data: rgb, info } = await sharp(photo).removeAlpha().toColourspace("srgb").raw().toBuffer({
    resolveWithObject: true,
  });
  const size = info.width;
  const grid = Buffer.from(matte.mask.map((v) => v * 255));
  const alpha = await sharp(grid, { raw: { width: matte.width, height: matte.height, channels: 1 } })
    .resize(info.width, info.height, { kernel: "linear" })
    .blur(1)
    .extractChannel(0)
    .raw()
    .toBuffer();
  const left = Math.max(0, Math.floor(matte.box.left * info.width) - EDGE);
  const top = Math.max(0, Math.floor(matte.box.top * info.height) - EDGE);
  const width = Math.min(info.width, Math.ceil(matte.box.right * info.width) + EDGE) - left;
  const height = Math.min(info.height, Math.ceil(matte.box.bottom * info.height) + EDGE) - top;
  const rgba = Buffer.alloc(info.width * info.height * 4);
  for (let i = 0; i < info.width * info.height; i++) {
    rgb.copy(rgba, i * 4, i * 3, i * 3 + 3);
    rgba[i * 4 + 3] = alpha[i]!;
  }
  const png = await sharp(rgba, { raw: { width: info.width, height: info.height, channels: 4 } })
    .extract({ left, top, width, height })
    .png()
    .toBuffer();
  return { png, left, top, width, height, size };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The cut-out on `background` (any image, covered to the photo's square), as an 8-bit sRGB PNG. */
export async function composite(
  cutout: Cutout,
  background: Buffer,
  placement: Placement,
  shadow: ShadowSettings,
): Promise<Buffer> {
  const { size } = cutout;
  const width = Math.max(1, Math.round(cutout.width * placement.scale));
  const height = Math.max(1, Math.round(cutout.height * placement.scale));
  const centreX = cutout.left + cutout.width / 2 + placement.dx * size;
  const centreY = cutout.top + cutout.height / 2 + placement.dy * size;
  const left = Math.round(clamp(centreX - width / 2, 0, size - width));
  const top = Math.round(clamp(centreY - height / 2, 0, size - height));
  const product = await sharp(cutout.png).resize(width, height, { kernel: "lanczos3" }).png().toBuffer();

  // An ellipse under the product's base, blurred: the contact a product standing on a surface makes.
  const rx = width * 0.45;
  const ry = Math.max(2, width * 0.06);
  const ellipse = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
      `<ellipse cx="${left + width / 2}" cy="${Math.min(size - ry, top + height - ry / 2)}" rx="${rx}" ry="${ry}" ` +
      `fill="#000" fill-opacity="${shadow.opacity}"/></svg>`,
  );
  const contactShadow = await sharp(ellipse)
    .blur(Math.max(0.3, shadow.blur * width))
    .png()
    .toBuffer();
  return sharp(background)
    .rotate()
    .resize(size, size, { fit: "cover" })
    .removeAlpha()
    .toColourspace("srgb")
    .composite([
      { input: contactShadow, left: 0, top: 0 },
      { input: product, left, top },
    ])
    .png()
    .toBuffer();
}
