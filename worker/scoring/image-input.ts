import sharp, { type Metadata } from "sharp";
import { ImageInputError } from "./errors";

/** An encoded image (JPEG, PNG, WebP, GIF, TIFF, AVIF...) as bytes, or a path to one. */
export type ImageInput = Buffer | Uint8Array | string;

export interface ImageLimits {
  /** Smallest accepted width and height, in pixels. */
  minSide: number;
  /** Largest accepted width x height; checked from the header, before decoding. */
  maxPixels: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { minSide: 32, maxPixels: 50_000_000 };

/** 8-bit sRGB pixels, 3 channels, row-major (HWC). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** Documented conversions that were applied (alpha flattened, CMYK converted, first frame taken...). */
  conversions: string[];
}

/**
 * Decodes any input sharp reads into 8-bit sRGB. Conversions, not errors: EXIF orientation is
 * applied, alpha is composited onto white, CMYK / 16-bit / grey / other ICC profiles become 8-bit
 * sRGB, and only the first frame of an animation is used. Errors (ImageInputError): unreadable path,
 * unsupported or corrupt (including truncated) data, smaller than `minSide`, more than `maxPixels`.
 */
export async function decodeRgb(input: ImageInput, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Promise<RgbImage> {
  const meta = await readMetadata(input);
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width < limits.minSide || height < limits.minSide) {
    throw new ImageInputError(
      "too_small",
      `image is ${width}x${height}; at least ${limits.minSide}x${limits.minSide} pixels are needed`,
    );
  }
  if (width * height > limits.maxPixels) {
    throw new ImageInputError(
      "too_large",
      `image is ${width}x${height} (${((width * height) / 1e6).toFixed(1)} MP); the limit is ${(limits.maxPixels / 1e6).toFixed(1)} MP`,
    );
  }
  const conversions: string[] = [];
  if ((meta.pages ?? 1) > 1) conversions.push(`animated (${meta.pages} frames): first frame used`);
  if (meta.hasAlpha) conversions.push("alpha composited onto white");
  if (meta.space && meta.space !== "srgb") conversions.push(`${meta.space} converted to sRGB`);
  if (meta.depth && meta.depth !== "uchar") conversions.push(`${meta.depth} samples converted to 8-bit`);
  if (meta.orientation && meta.orientation > 1) conversions.push(`EXIF orientation ${meta.orientation} applied`);
  try {
    const { data, info } = await sharp(input, { failOn: "error", limitInputPixels: limits.maxPixels, pages: 1 })
      .autoOrient()
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .removeAlpha()
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      conversions,
    };
  } catch (error) {
    throw new ImageInputError("corrupt", `image could not be decoded: ${(error as Error).message}`);
  }
}

async function readMetadata(input: ImageInput): Promise<Metadata> {
  try {
    return await sharp(input).metadata();
  } catch (error) {
    const message = (error as Error).message;
    if (typeof input === "string" && /missing|no such file|ENOENT/i.test(message)) {
      throw new ImageInputError("unreadable", `image file not found: ${input}`);
    }
    if (/unsupported image format/i.test(message)) {
      throw new ImageInputError(
        "unsupported",
        "not an image in a format we can read (JPEG, PNG, WebP, GIF, TIFF, AVIF)",
      );
    }
    throw new ImageInputError("corrupt", `image header could not be read: ${message}`);
  }
}
