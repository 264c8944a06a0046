import sharp, { type Metadata } from "sharp";
import { PhotoRejectedError } from "./photo-errors";

/** The training resolution of SD 2.1 (768-v) and of the paper's crops. */
export const TRAINING_SIZE = 768;
/** Below this the crop would be upscaled more than 3×: too blurry to teach the product's details. */
export const MIN_SIDE = 256;
/** Above this a decoded photo would hold over 400 MB of pixels; Shopify itself caps media at 4472². */
export const MAX_PIXELS = 100_000_000;

const RASTER_FORMATS = new Set(["jpeg", "png", "webp", "gif", "tiff", "avif"]);

export interface CropBox {
  left: number;
  top: number;
  size: number;
}

export interface PreparedPhoto {
  /** 768×768 sRGB PNG, 8-bit, no alpha. */
  png: Buffer;
  source: { width: number; height: number; format: string };
  /** The square of the (orientation-corrected) source that became the training crop. */
  crop: CropBox;
  /** Conversions applied, for the dataset report ("CMYK converted to sRGB", …). */
  notes: string[];
}

async function readMetadata(input: Buffer): Promise<Metadata> {
  try {
    return await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new PhotoRejectedError("corrupt", `The file is not a readable image (${(error as Error).message}).`);
  }
}

/**
 * Turns a product photo into a training crop: EXIF orientation applied, sRGB, alpha flattened on
 * white, and a 768 square cropped around the product. The crop uses sharp's attention strategy
 * (libvips' saliency: luminance frequency, saturation and skin tones), which centres on the product
 * rather than on the image centre in off-centre shots; small photos are upscaled to 768.
 */
export async function preparePhoto(input: Buffer): Promise<PreparedPhoto> {
  const meta = await readMetadata(input);
  const format = meta.format ?? "unknown";
  if (!RASTER_FORMATS.has(format)) {
    const shown = format === "svg" ? "SVG (a vector drawing, not a photo)" : format.toUpperCase();
    throw new PhotoRejectedError(
      "unsupported_format",
      `${shown} files cannot be used; upload a JPEG, PNG or WebP photo.`,
    );
  }
  if ((meta.pages ?? 1) > 1) {
    throw new PhotoRejectedError("animated", "Animated images cannot be used; upload a still photo.");
  }
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  if (width * height > MAX_PIXELS) {
    throw new PhotoRejectedError("too_large", `The photo is ${width}×${height} pixels; the limit is 100 megapixels.`);
  }
  if (Math.min(width, height) < MIN_SIDE) {
    throw new PhotoRejectedError(
      "too_small",
      `The photo is only ${width}×${height} pixels; at least ${MIN_SIDE} on the short side is needed.`,
    );
  }

  const notes: string[] = [];
  if (meta.space && meta.space !== "srgb" && meta.space !== "b-w")
    notes.push(`${meta.space.toUpperCase()} converted to sRGB`);
  if (meta.hasAlpha) notes.push("transparency flattened on white");
  if (meta.depth && !["uchar", "char"].includes(meta.depth)) notes.push(`${meta.depth} samples reduced to 8-bit`);
  if (Math.min(width, height) < TRAINING_SIZE) notes.push(`upscaled from ${Math.min(width, height)} px`);

  let result;
  try {
    result = await sharp(input, { limitInputPixels: MAX_PIXELS, failOn: "truncated" })
      .rotate()
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .resize(TRAINING_SIZE, TRAINING_SIZE, { fit: "cover", position: sharp.strategy.attention, kernel: "lanczos3" })
      .png()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new PhotoRejectedError("corrupt", `The image data is damaged or truncated (${(error as Error).message}).`);
  }

  const scale = TRAINING_SIZE / Math.min(width, height);
  const crop: CropBox = {
    left: Math.round(Math.abs(result.info.cropOffsetLeft ?? 0) / scale),
    top: Math.round(Math.abs(result.info.cropOffsetTop ?? 0) / scale),
    size: Math.round(TRAINING_SIZE / scale),
  };
  return { png: result.data, source: { width, height, format }, crop, notes };
}
