import sharp, { type Metadata, type Sharp } from "sharp";
import { plainBackdropMatte, type Matte } from "./matte";
import { PhotoRejectedError } from "./photo-errors";

/** The training resolution of SD 2.1 (768-v) and of the paper's crops. */
export const TRAINING_SIZE = 768;
/** Below this the crop would be upscaled more than 3×: too blurry to teach the product's details. */
export const MIN_SIDE = 256;
/** Above this a decoded photo would hold over 400 MB of pixels; Shopify itself caps media at 4472². */
export const MAX_PIXELS = 100_000_000;

const RASTER_FORMATS = new Set(["jpeg", "png", "webp", "gif", "tiff", "avif"]);

/** A square of the source in its pixels; it may reach past the photo's edges, where it is padded. */
export interface CropBox {
  left: number;
  top: number;
  size: number;
}

/** Source pixels added on each side of the photo to make the crop square (0 when the crop lies inside it). */
export interface CropPadding {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Space kept around the product's box in a padded crop, as a share of the box's long side. */
export const PRODUCT_MARGIN = 0.03;

export interface PreparedPhoto {
  /** 768×768 sRGB PNG, 8-bit, no alpha. */
  png: Buffer;
  source: { width: number; height: number; format: string };
  /** The square of the (orientation-corrected) source that became the training crop. */
  crop: CropBox;
  /** Where the square reaches past the photo: filled with the backdrop's colour. */
  padding: CropPadding;
  /** The plain-backdrop matte's verdict: whether the product's box guided the crop. */
  backdrop: { plain: boolean; borderBackdrop: number; colour: string };
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
 * white, and a 768 square cropped around the product. On a plain backdrop (a catalog packshot) the
 * matte's product box places the square, padded with the backdrop colour where a square of the
 * short side would cut the product (portrait apparel, wide furniture). Otherwise the crop uses
 * sharp's attention strategy (libvips' saliency: luminance frequency, saturation and skin tones),
 * which centres on the product rather than on the image centre in off-centre shots. Small photos
 * are upscaled to 768.
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

  const decode = () =>
    sharp(input, { limitInputPixels: MAX_PIXELS, failOn: "truncated" })
      .rotate()
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb");
  try {
    const matte = await plainBackdropMatte(decode());
    const colour = `#${[matte.backdrop.r, matte.backdrop.g, matte.backdrop.b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;
    const backdrop = { plain: matte.plain, borderBackdrop: matte.borderBackdrop, colour };
    if (matte.plain) {
      const { crop, padding } = productSafeCrop(width, height, matte);
      if (crop.size < TRAINING_SIZE) notes.push(`upscaled from ${crop.size} px`);
      if (padding.left + padding.top + padding.right + padding.bottom > 0)
        notes.push("padded with the backdrop colour to keep the whole product");
      const png = await renderCrop(decode(), width, height, crop, matte.backdrop);
      return { png, source: { width, height, format }, crop, padding, backdrop, notes };
    }
    if (Math.min(width, height) < TRAINING_SIZE) notes.push(`upscaled from ${Math.min(width, height)} px`);
    const result = await decode()
      .resize(TRAINING_SIZE, TRAINING_SIZE, { fit: "cover", position: sharp.strategy.attention, kernel: "lanczos3" })
      .png()
      .toBuffer({ resolveWithObject: true });
    const scale = TRAINING_SIZE / Math.min(width, height);
    const crop: CropBox = {
      left: Math.round(Math.abs(result.info.cropOffsetLeft ?? 0) / scale),
      top: Math.round(Math.abs(result.info.cropOffsetTop ?? 0) / scale),
      size: Math.round(TRAINING_SIZE / scale),
    };
    const padding = { left: 0, top: 0, right: 0, bottom: 0 };
    return { png: result.data, source: { width, height, format }, crop, padding, backdrop, notes };
  } catch (error) {
    throw new PhotoRejectedError("corrupt", `The image data is damaged or truncated (${(error as Error).message}).`);
  }
}

/**
 * The square crop around the matte's product box: the photo's short side when the box (with a
 * margin) fits in it, placed to contain the box; else a larger square centred on the photo and
 * padded, so the whole product stays in the frame and as large as it can be.
 */
export function productSafeCrop(
  width: number,
  height: number,
  matte: Pick<Matte, "box" | "width" | "height">,
): { crop: CropBox; padding: CropPadding } {
  const box = matte.box ?? { left: 0, top: 0, right: 1, bottom: 1 };
  // One matte pixel of slack on each side: the box was found on a coarser grid.
  const [slackX, slackY] = [width / matte.width, height / matte.height];
  const x0 = Math.max(0, box.left * width - slackX);
  const x1 = Math.min(width, box.right * width + slackX);
  const y0 = Math.max(0, box.top * height - slackY);
  const y1 = Math.min(height, box.bottom * height + slackY);
  const long = Math.max(x1 - x0, y1 - y0);
  const size = Math.max(Math.min(width, height), Math.ceil(long * (1 + 2 * PRODUCT_MARGIN)));
  const place = (start: number, end: number, extent: number) =>
    size <= extent
      ? Math.round(Math.min(Math.max((start + end) / 2 - size / 2, 0), extent - size))
      : -Math.floor((size - extent) / 2);
  const { box: crop, padding } = cropRecord(
    { left: place(x0, x1, width), top: place(y0, y1, height), size },
    width,
    height,
  );
  return { crop, padding };
}

/** A stored crop square with the padding it implies (the part of the square past the photo's edges). */
export function cropRecord(
  box: CropBox,
  width: number | null,
  height: number | null,
): { box: CropBox; padding: CropPadding } {
  const [w, h] = [width ?? box.left + box.size, height ?? box.top + box.size];
  return {
    box,
    padding: {
      left: Math.max(0, -box.left),
      top: Math.max(0, -box.top),
      right: Math.max(0, box.left + box.size - w),
      bottom: Math.max(0, box.top + box.size - h),
    },
  };
}

/** The crop as a 768 PNG: the part inside the photo resized, the rest filled with the backdrop colour. */
async function renderCrop(
  image: Sharp,
  width: number,
  height: number,
  crop: CropBox,
  backdrop: { r: number; g: number; b: number },
): Promise<Buffer> {
  const k = TRAINING_SIZE / crop.size;
  const inside = {
    left: Math.max(0, crop.left),
    top: Math.max(0, crop.top),
    right: Math.min(width, crop.left + crop.size),
    bottom: Math.min(height, crop.top + crop.size),
  };
  const padLeft = Math.round((inside.left - crop.left) * k);
  const padTop = Math.round((inside.top - crop.top) * k);
  const innerWidth = Math.max(
    1,
    Math.min(TRAINING_SIZE - padLeft, Math.round((inside.right - crop.left) * k) - padLeft),
  );
  const innerHeight = Math.max(
    1,
    Math.min(TRAINING_SIZE - padTop, Math.round((inside.bottom - crop.top) * k) - padTop),
  );
  return image
    .extract({
      left: inside.left,
      top: inside.top,
      width: inside.right - inside.left,
      height: inside.bottom - inside.top,
    })
    .resize(innerWidth, innerHeight, { fit: "fill", kernel: "lanczos3" })
    .extend({
      left: padLeft,
      top: padTop,
      right: TRAINING_SIZE - padLeft - innerWidth,
      bottom: TRAINING_SIZE - padTop - innerHeight,
      background: backdrop,
    })
    .png()
    .toBuffer();
}
