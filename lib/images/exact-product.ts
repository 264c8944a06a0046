// Exact-product images (issue #19): the product's own pixels, cut out of a packshot with the
// plain-backdrop matte, are placed on the canvas; the tuner paints the scene around them (the layer),
// and after upscaling the same pixels, from the same photo, are pasted back at 2048 px through a
// feathered matte over a soft contact shadow, so the published image carries the merchant's product.
import sharp from "sharp";
import { UNTRUSTED_MATTE_MESSAGE } from "../pipeline/generation-modes";
import { cutoutQuality } from "./composite";
import { matteFromPixels, plainBackdropMatte, type Matte } from "./matte";
import type { Placement } from "./placement";
import { MAX_PIXELS } from "./prepare-photo";
import type { SegmentedMatte } from "./segment";

/** The photo cannot give an exact cut-out; the message is the merchant's. */
export class ExactProductError extends Error {
  override name = "ExactProductError";
}

export const EXACT_RULES = {
  /** Photo pixels kept around the product's box before the fine matte, as a share of its long side (the matte floods in from there). */
  margin: 0.04,
  /** Feather of the matte's edge (Gaussian sigma), in pixels per 1,024 pixels of the image's side. */
  featherPerKilopixel: 1,
  /** Contact shadow under the product: its half-width and half-height as shares of the product's width, and its darkness. */
  shadow: { halfWidth: 0.42, halfHeight: 0.045, opacity: 0.4 },
} as const;

/** A packshot ready for exact mode: the product's box in the (orientation-corrected) photo's pixels. */
export interface ProductSource {
  photo: Buffer;
  width: number;
  height: number;
  box: { left: number; top: number; width: number; height: number };
  /** A segmentation model's alpha (0–255) at the photo's size, for a photo on a busy background; absent: the border matte. */
  alpha?: Buffer;
}

const decode = (photo: Buffer) =>
  sharp(photo, { limitInputPixels: MAX_PIXELS }).rotate().flatten({ background: "#ffffff" }).toColourspace("srgb");

/**
 * Whether exact mode can take the product from a photo with this matte: a border matte on a plain
 * backdrop, or a segmentation model's matte that makes a clean cut-out. The studio's photo check
 * reports the same (DatasetPhotoVerdict's `backdrop.cutOut`), so it offers exact mode when the worker
 * would accept the photo.
 */
export function exactCutOut(matte: Matte, from: "border" | "model"): boolean {
  return matte.box !== null && (from === "model" ? cutoutQuality(matte).trusted : matte.plain);
}

/**
 * Reads a photo for exact mode; throws ExactProductError when its matte cannot be trusted: a busy
 * background, unless `segment` (the segmentation model) gives a trusted matte of it.
 */
export async function productSource(
  photo: Buffer,
  segment?: (photo: Buffer) => Promise<SegmentedMatte>,
): Promise<ProductSource> {
  const meta = await sharp(photo, { limitInputPixels: MAX_PIXELS }).metadata();
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  let matte: Matte = await plainBackdropMatte(decode(photo));
  let alpha: Buffer | undefined;
  if (!exactCutOut(matte, "border") && segment) {
    const model = await segment(photo).catch(() => null);
    if (model && exactCutOut(model, "model") && model.alphaWidth === width && model.alphaHeight === height) {
      matte = model;
      alpha = model.alpha;
    }
  }
  if (!exactCutOut(matte, alpha ? "model" : "border") || !matte.box)
    throw new ExactProductError(UNTRUSTED_MATTE_MESSAGE);
  const left = Math.floor(matte.box.left * width);
  const top = Math.floor(matte.box.top * height);
  const right = Math.min(width, Math.ceil(matte.box.right * width));
  const bottom = Math.min(height, Math.ceil(matte.box.bottom * height));
  return {
    photo,
    width,
    height,
    box: { left, top, width: right - left, height: bottom - top },
    ...(alpha ? { alpha } : {}),
  };
}

/** The product's box height / width. */
export const productAspect = (source: ProductSource) => source.box.height / source.box.width;

/** The product at its placement on a `size` square: photo pixels (RGB), alpha (the feathered matte) and where they go. */
export interface PlacedProduct {
  rgb: Buffer;
  alpha: Buffer;
  width: number;
  height: number;
  left: number;
  top: number;
  /** The product's own box on the canvas (the region above also holds the margin). */
  box: { left: number; top: number; width: number; height: number };
}

/**
 * The product resized once, uniformly, so that its box is `placement.width` of a `size` square, and
 * matted again at that size (the coarse matte found the box; this one gives the edge pixel by pixel).
 */
export async function placedProduct(source: ProductSource, placement: Placement, size: number): Promise<PlacedProduct> {
  const { box } = source;
  const scale = Math.round(placement.width * size) / box.width;
  const margin = Math.max(4, Math.ceil(EXACT_RULES.margin * Math.max(box.width, box.height)));
  const region = {
    left: Math.max(0, box.left - margin),
    top: Math.max(0, box.top - margin),
    right: Math.min(source.width, box.left + box.width + margin),
    bottom: Math.min(source.height, box.top + box.height + margin),
  };
  const width = Math.max(1, Math.round((region.right - region.left) * scale));
  const height = Math.max(1, Math.round((region.bottom - region.top) * scale));
  const rgb = await decode(source.photo)
    .extract({
      left: region.left,
      top: region.top,
      width: region.right - region.left,
      height: region.bottom - region.top,
    })
    .resize(width, height, { fit: "fill", kernel: "lanczos3" })
    .raw()
    .toBuffer();
  const mask = source.alpha
    ? await modelMask(source, region, width, height)
    : Buffer.from(matteFromPixels(rgb, width, height).mask.map((m) => m * 255));
  // Feathered inwards: the edge is first pulled in (blurred by `pull`, then cut at Φ(1) ≈ 0.84, which
  // moves a straight edge in by `pull`), then blurred by sigma. The pull covers the backdrop's colour,
  // which an enlarged photo smears over about `scale` pixels at the edge, and the feather's outer
  // tail (2 sigma), so no backdrop rings the product: the feather blends it into what is beneath.
  const sigma = Math.max(0.5, (EXACT_RULES.featherPerKilopixel * size) / 1024);
  const pull = 0.8 * Math.max(1, scale) + 2 * sigma;
  const raw = { raw: { width, height, channels: 1 as const } };
  // Two pipelines: sharp applies its threshold before its blur, whatever the calls' order.
  const eroded = (await sharp(mask, raw).blur(pull).extractChannel(0).raw().toBuffer()).map((v) =>
    v >= 216 ? 255 : 0,
  );
  const alpha = await sharp(eroded, raw).blur(sigma).extractChannel(0).raw().toBuffer();

  const boxWidth = Math.round(box.width * scale);
  const boxHeight = Math.round(box.height * scale);
  const boxLeft = Math.round(placement.cx * size - boxWidth / 2);
  const boxTop = Math.round(placement.bottom * size) - boxHeight;
  return {
    rgb,
    alpha,
    width,
    height,
    left: boxLeft - Math.round((box.left - region.left) * scale),
    top: boxTop - Math.round((box.top - region.top) * scale),
    box: { left: boxLeft, top: boxTop, width: boxWidth, height: boxHeight },
  };
}

/** The model's alpha over `region`, at the placed size, cut at one half like the border matte's mask. */
async function modelMask(
  source: ProductSource,
  region: { left: number; top: number; right: number; bottom: number },
  width: number,
  height: number,
): Promise<Buffer> {
  const resized = await sharp(source.alpha!, { raw: { width: source.width, height: source.height, channels: 1 } })
    .extract({
      left: region.left,
      top: region.top,
      width: region.right - region.left,
      height: region.bottom - region.top,
    })
    .resize(width, height, { fit: "fill", kernel: "linear" })
    .extractChannel(0)
    .raw()
    .toBuffer();
  return Buffer.from(resized.map((v) => (v >= 128 ? 255 : 0)));
}

/** Blends the placed product over an RGB (or RGBA, `channels`) canvas in place; pixels past the edges are dropped. */
function blend(canvas: Buffer, size: number, channels: 3 | 4, placed: PlacedProduct, writeAlpha: boolean): void {
  for (let y = 0; y < placed.height; y++) {
    const cy = placed.top + y;
    if (cy < 0 || cy >= size) continue;
    for (let x = 0; x < placed.width; x++) {
      const cx = placed.left + x;
      if (cx < 0 || cx >= size) continue;
      const a = placed.alpha[y * placed.width + x]!;
      if (a === 0 && !writeAlpha) continue;
      const o = (cy * size + cx) * channels;
      const i = (y * placed.width + x) * 3;
      for (let c = 0; c < 3; c++) {
        canvas[o + c] = writeAlpha
          ? placed.rgb[i + c]!
          : Math.round((placed.rgb[i + c]! * a + canvas[o + c]! * (255 - a)) / 255);
      }
      if (writeAlpha) canvas[o + 3] = a;
    }
  }
}

/** The tuner's layer: an RGBA PNG of the `size` square, the product's pixels where alpha > 0 (255: keep, 0: paint). */
export async function exactLayer(source: ProductSource, placement: Placement, size: number): Promise<Buffer> {
  const placed = await placedProduct(source, placement, size);
  const canvas = Buffer.alloc(size * size * 4);
  blend(canvas, size, 4, placed, true);
  return sharp(canvas, { raw: { width: size, height: size, channels: 4 } })
    .png()
    .toBuffer();
}

/** Darkens the canvas under the product's base: a soft elliptical contact shadow that grounds it on the surface. */
function contactShadow(canvas: Buffer, size: number, box: PlacedProduct["box"]): void {
  const { halfWidth, halfHeight, opacity } = EXACT_RULES.shadow;
  const rx = Math.max(2, halfWidth * box.width);
  const ry = Math.max(1, halfHeight * box.width);
  const cx = box.left + box.width / 2;
  const cy = box.top + box.height - ry * 0.3;
  for (let y = Math.max(0, Math.floor(cy - 3 * ry)); y < Math.min(size, Math.ceil(cy + 3 * ry)); y++) {
    for (let x = Math.max(0, Math.floor(cx - 3 * rx)); x < Math.min(size, Math.ceil(cx + 3 * rx)); x++) {
      const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
      const keep = 1 - opacity * Math.exp(-1.5 * d);
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) canvas[o + c] = Math.round(canvas[o + c]! * keep);
    }
  }
}

/**
 * The paste-back: `rgb` is the upscaled image (`size` square, 8-bit RGB); the product's original
 * pixels, resized from the photo once, go over it through the feathered matte, on a contact shadow.
 * Returns a new buffer.
 */
export async function pasteBack(
  rgb: Buffer,
  size: number,
  source: ProductSource,
  placement: Placement,
): Promise<Buffer> {
  if (rgb.length !== size * size * 3) throw new RangeError(`expected a ${size}×${size} RGB image`);
  const placed = await placedProduct(source, placement, size);
  const canvas = Buffer.from(rgb);
  contactShadow(canvas, size, placed.box);
  blend(canvas, size, 3, placed, false);
  return canvas;
}
