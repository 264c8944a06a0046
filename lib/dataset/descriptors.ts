import sharp, { type Sharp } from "sharp";

// At module level, not inside srgbToLab: it runs once per pixel, and under tsx (the worker's runtime,
// which keeps function names) every closure created costs a defineProperty call — it was most of the
// matte's time.
function linearOf(c: number): number {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** linearOf of each 8-bit value, the same numbers without a power per pixel (index misses: not a byte). */
const LINEAR = Float64Array.from({ length: 256 }, (_, c) => linearOf(c));

function linear(c: number): number {
  return LINEAR[c] ?? linearOf(c);
}

function f(t: number): number {
  return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
}

/** CIE L*a*b* of an sRGB colour (D65). */
export function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  const [R, G, B] = [linear(r), linear(g), linear(b)];
  const x = f((R * 0.4124 + G * 0.3576 + B * 0.1805) / 0.95047);
  const y = f(R * 0.2126 + G * 0.7152 + B * 0.0722);
  const z = f((R * 0.0193 + G * 0.1192 + B * 0.9505) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

const GRID = 8;

/**
 * An image the descriptors read: encoded (any format sharp reads), or its 8-bit RGB pixels, decoded
 * once by decodePicture when several descriptors read the same image.
 */
export type Picture = Buffer | DecodedPicture;

export interface DecodedPicture {
  rgb: Buffer;
  width: number;
  height: number;
}

function openPicture(picture: Picture): Sharp {
  return Buffer.isBuffer(picture)
    ? sharp(picture)
    : sharp(picture.rgb, { raw: { width: picture.width, height: picture.height, channels: 3 } });
}

/**
 * The image's pixels, decoded once, when every descriptor reads them the same from the pixels as from
 * the file: an 8-bit sRGB PNG with three channels, no colour profile and no orientation to apply (the
 * prepared crops; PNG has no shrink-on-load, which would let a resize read other pixels). Anything
 * else stays encoded, and each descriptor decodes it as before.
 */
export async function decodePicture(image: Buffer): Promise<Picture> {
  const meta = await sharp(image).metadata();
  const plainRgb =
    meta.format === "png" &&
    meta.channels === 3 &&
    !meta.hasAlpha &&
    meta.depth === "uchar" &&
    meta.space === "srgb" &&
    !meta.icc &&
    (meta.orientation ?? 1) === 1;
  if (!plainRgb) return image;
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  return { rgb: data, width: info.width, height: info.height };
}

/** The picture as plainBackdropMatte (lib/images/matte.ts) takes it. */
export function matteInput(picture: Picture): Buffer | Sharp {
  return Buffer.isBuffer(picture) ? picture : openPicture(picture);
}

/**
 * The background of a product crop, as the Lab colours of the 28 outer cells of an 8×8 grid: the
 * attention crop centres the product, so the ring around it is mostly background.
 */
export async function backgroundRing(picture: Picture): Promise<Array<[number, number, number]>> {
  const data = await openPicture(picture)
    .removeAlpha()
    .resize(GRID, GRID, { fit: "fill", kernel: "cubic" })
    .raw()
    .toBuffer();
  const ring: Array<[number, number, number]> = [];
  for (let y = 0; y < GRID; y++) {
    for (let x = 0; x < GRID; x++) {
      if (y === 0 || x === 0 || y === GRID - 1 || x === GRID - 1) {
        const i = (y * GRID + x) * 3;
        ring.push(srgbToLab(data[i]!, data[i + 1]!, data[i + 2]!));
      }
    }
  }
  return ring;
}

/** Mean colour difference (ΔE*ab) between two rings (or colour grids), cell by cell. */
export function ringDistance(a: Array<[number, number, number]>, b: Array<[number, number, number]>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const [l1, a1, b1] = a[i]!;
    const [l2, a2, b2] = b[i]!;
    sum += Math.hypot(l1 - l2, a1 - a2, b1 - b2);
  }
  return sum / a.length;
}

const HASH = 16;

/** A 256-bit difference hash (dHash) of the grey image: robust to re-encoding, scaling and small crops. */
export async function differenceHash(picture: Picture): Promise<Uint8Array> {
  const data = await openPicture(picture)
    .greyscale()
    .resize(HASH + 1, HASH, { fit: "fill" })
    .raw()
    .toBuffer();
  const bits = new Uint8Array(HASH * HASH);
  for (let y = 0; y < HASH; y++) {
    for (let x = 0; x < HASH; x++) {
      bits[y * HASH + x] = data[y * (HASH + 1) + x]! < data[y * (HASH + 1) + x + 1]! ? 1 : 0;
    }
  }
  return bits;
}

/** Share of differing bits, 0 (same picture) … ~0.5 (unrelated pictures). */
export function hashDistance(a: Uint8Array, b: Uint8Array): number {
  let differing = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++;
  return differing / a.length;
}

/** How much the picture varies: the standard deviation of its grey levels (0 for one flat colour). */
export async function detail(picture: Picture): Promise<number> {
  // From the pixels: sharp's stats() reads the input image, not the greyscaled, resized one.
  const grey = await openPicture(picture).greyscale().resize(64, 64, { fit: "fill" }).raw().toBuffer();
  const mean = grey.reduce((sum, v) => sum + v, 0) / grey.length;
  return Math.sqrt(grey.reduce((sum, v) => sum + (v - mean) ** 2, 0) / grey.length);
}

/** What a photo shows of the product itself, without its backdrop: the box a plain-backdrop matte found. */
export interface ProductView {
  /** dHash of the product's box, stretched to the hash's grid. */
  hash: Uint8Array;
  /** Lab colours of an 8×8 grid over the box: poses that mirror each other's shape still differ in colour. */
  colours: Array<[number, number, number]>;
}

/** The product view of a crop, given the product's box as fractions of the frame (lib/images/matte.ts). */
export async function productView(
  picture: Picture,
  box: { left: number; top: number; right: number; bottom: number },
): Promise<ProductView> {
  const { width = 0, height = 0 } = Buffer.isBuffer(picture) ? await sharp(picture).metadata() : picture;
  const left = Math.floor(box.left * width);
  const top = Math.floor(box.top * height);
  const region = {
    left,
    top,
    width: Math.max(1, Math.min(width, Math.ceil(box.right * width)) - left),
    height: Math.max(1, Math.min(height, Math.ceil(box.bottom * height)) - top),
  };
  // The box as its own image, before it is resized: decoded pixels need no PNG round trip.
  const boxPicture: Picture = Buffer.isBuffer(picture)
    ? await sharp(picture).extract(region).png().toBuffer()
    : { rgb: await openPicture(picture).extract(region).raw().toBuffer(), width: region.width, height: region.height };
  const grid = await openPicture(boxPicture)
    .removeAlpha()
    .resize(GRID, GRID, { fit: "fill", kernel: "cubic" })
    .raw()
    .toBuffer();
  const colours: Array<[number, number, number]> = [];
  for (let i = 0; i < GRID * GRID; i++) colours.push(srgbToLab(grid[i * 3]!, grid[i * 3 + 1]!, grid[i * 3 + 2]!));
  return { hash: await differenceHash(boxPicture), colours };
}
