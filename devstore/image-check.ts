import sharp from "sharp";
import { sniffImageType } from "../lib/shopify-admin/image-type";

/** Shopify's product image limits (shopify.dev, "Manage media for products"). */
export const IMAGE_LIMITS = {
  maxBytes: 20 * 1024 * 1024,
  /** 4472 x 4472 px, i.e. about 20 megapixels. */
  maxPixels: 4472 * 4472,
  mimeTypes: ["image/jpeg", "image/png", "image/gif", "image/webp"] as const,
};

export type ImageCheck =
  | { ok: true; mimeType: string; width: number; height: number; bytes: number }
  | {
      ok: false;
      code:
        | "UNSUPPORTED_IMAGE_FILE_TYPE"
        | "INVALID_IMAGE_FILE_SIZE"
        | "INVALID_IMAGE_RESOLUTION"
        | "IMAGE_PROCESSING_FAILURE";
      message: string;
    };

/** What Shopify's media processing would decide about these bytes as a product image. */
export async function checkImage(bytes: Uint8Array): Promise<ImageCheck> {
  if (bytes.length > IMAGE_LIMITS.maxBytes) {
    return {
      ok: false,
      code: "INVALID_IMAGE_FILE_SIZE",
      message: `Image is ${bytes.length} bytes; the limit is 20 MB.`,
    };
  }
  const mimeType = sniffImageType(bytes);
  if (!mimeType) {
    return {
      ok: false,
      code: "UNSUPPORTED_IMAGE_FILE_TYPE",
      message: "File is not a supported image (JPEG, PNG, GIF or WEBP).",
    };
  }
  let width: number;
  let height: number;
  try {
    const meta = await sharp(bytes).metadata();
    width = meta.width ?? 0;
    height = meta.height ?? 0;
  } catch (err) {
    return {
      ok: false,
      code: "IMAGE_PROCESSING_FAILURE",
      message: `Image could not be read: ${(err as Error).message}`,
    };
  }
  if (width * height > IMAGE_LIMITS.maxPixels || width < 1 || height < 1) {
    return {
      ok: false,
      code: "INVALID_IMAGE_RESOLUTION",
      message: `Image is ${width}x${height} px; the limit is 4472x4472 px (20 megapixels).`,
    };
  }
  try {
    // Decode every pixel: a truncated or garbled body passes the header check but not this.
    await sharp(bytes, { failOn: "truncated" }).raw().toBuffer();
  } catch (err) {
    return {
      ok: false,
      code: "IMAGE_PROCESSING_FAILURE",
      message: `Image could not be decoded: ${(err as Error).message}`,
    };
  }
  return { ok: true, mimeType, width, height, bytes: bytes.length };
}
