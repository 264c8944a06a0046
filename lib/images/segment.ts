// A product matte for busy backgrounds (products in the wild), from a segmentation model: BiRefNet
// in production, a random stand-in of the same shape in tests. The border matte (./matte.ts) stays
// first: a plain backdrop needs no model. The model's matte comes back in the border matte's shape,
// so its consumers (cut-outs, augmentation, the dataset check) take either.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { InferenceSession } from "onnxruntime-node";
import sharp from "sharp";
import { cutoutQuality } from "./composite";
import { MATTE_RULES, plainBackdropMatte, type Matte } from "./matte";

/** segmenter.json, written next to the graph by `python -m scenebooth_tuner.export segmenter`. */
export interface SegmenterManifest {
  profile: "tiny" | "real";
  /** The tiny profile's random weights: its mattes mean nothing. */
  standIn: boolean;
  source: string;
  revision: string | null;
  license: string | null;
  file: string;
  sha256: string;
  input: string;
  output: string;
  /** The square side the graph takes. */
  side: number;
  outputIs: "logits";
  mean: [number, number, number];
  std: [number, number, number];
  /** The graph against the PyTorch model on a probe image at export (absent in exports from before it was checked). */
  parity?: { maxLogitDiff: number; maxAlphaDiff: number };
}

/**
 * When the model's matte can be trusted. `minBorderBackdrop` and the product share as in MATTE_RULES;
 * `maxUncertain` is the share of the frame where the model hesitates (alpha 0.1–0.9): a confident
 * matte only hesitates along the product's edge. Cohesion comes from CUTOUT_RULES. Checked on
 * SYNTHETIC mattes, not BiRefNet's outputs (no real weights on the test hosts): the packshots' border
 * mattes degraded as models succeed and fail (bench/segment-rules.ts, results in
 * bench/results/segment-rules.md). Good mattes (2–8 px feathers, ±3 px jitter, noisy logits, a product
 * cut by the frame's edge) kept border ≥ 0.91, uncertain ≤ 0.08, cohesion 1.00. The border rule was
 * 0.7 ("a product may stand on one edge"); a matte bleeding into a floor band joined to the product
 * scored 0.74 there and was trusted, so it is 0.8: a cut-out with a slab of floor is worse than no
 * cut-out. Not caught by any rule: half a product, and background specks under a tenth of it.
 */
export const SEGMENT_RULES = {
  minBorderBackdrop: 0.8,
  minProductShare: 0.01,
  maxProductShare: 0.9,
  maxUncertain: 0.1,
} as const;

export interface SegmentedMatte extends Matte {
  source: "model";
  /** The model's alpha (0–255) at the photo's size (after orientation), row-major. */
  alpha: Buffer;
  alphaWidth: number;
  alphaHeight: number;
  /** Share of the grid where 0.1 < alpha < 0.9. */
  uncertain: number;
  /** Share of the product in its largest connected piece (composite.ts's cohesion). */
  cohesion: number;
  /** `plain` (the border, product share and certainty rules) and cohesion: the product can be cut out. */
  trusted: boolean;
}

/** A photo (any format sharp reads) → its product matte. */
export type Segment = (photo: Buffer) => Promise<Matte>;

export interface Segmenter {
  manifest: SegmenterManifest;
  segment(photo: Buffer): Promise<SegmentedMatte>;
  close(): Promise<void>;
}

/** The segmenter's files are missing or unreadable; the message says which and how to make them. */
export class SegmenterFilesError extends Error {
  override name = "SegmenterFilesError";
}

export const SEGMENTER_MANIFEST = "segmenter.json";

/** `<models dir>/segment/<tiny|real>`: the tiny stand-in for the tiny model profile, BiRefNet otherwise. */
export function segmenterDir(modelsDir: string, modelProfile: string): string {
  return path.join(modelsDir, "segment", modelProfile === "tiny" ? "tiny" : "real");
}

/** Opens the segmenter in `dir`; `open` creates the onnxruntime session (the worker's, with its execution provider). */
export async function openSegmenter(
  dir: string,
  open?: (file: string) => Promise<InferenceSession>,
): Promise<Segmenter> {
  // Loaded here, not at the top: the app imports this module (through the dataset check) and never runs a model.
  // Node (tsx, the worker) gives the CommonJS package's exports as the namespace, without a default;
  // vitest gives a default: take either, or the worker's model silently never runs.
  const loaded = await import("onnxruntime-node");
  type Ort = typeof loaded.default;
  const ort = (loaded as unknown as { default?: Ort }).default ?? (loaded as unknown as Ort);
  let manifest: SegmenterManifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, SEGMENTER_MANIFEST), "utf8")) as SegmenterManifest;
  } catch (error) {
    throw new SegmenterFilesError(
      `segmentation model missing or unreadable in ${dir} (${(error as Error).message.split("\n")[0]}): run \`node scripts/prepare-models.mjs\``,
    );
  }
  const file = path.join(dir, manifest.file);
  let session: InferenceSession;
  try {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    const digest = hash.digest("hex");
    if (digest !== manifest.sha256) throw new Error(`checksum mismatch: the file was altered or cut short`);
    session = await (open ?? ((f: string) => ort.InferenceSession.create(f)))(file);
  } catch (error) {
    throw new SegmenterFilesError(
      `segmentation model ${manifest.file} could not be loaded (${(error as Error).message.split("\n")[0]}): run \`node scripts/prepare-models.mjs\``,
    );
  }
  return {
    manifest,
    segment: (photo) => segmentWith(ort, session, manifest, photo),
    close: () => session.release(),
  };
}

async function segmentWith(
  ort: typeof import("onnxruntime-node"),
  session: InferenceSession,
  manifest: SegmenterManifest,
  photo: Buffer,
): Promise<SegmentedMatte> {
  const { side, mean, std } = manifest;
  const decoded = () => sharp(photo).rotate().flatten({ background: "#ffffff" }).toColourspace("srgb");
  const { data: rgb } = await decoded()
    .resize(side, side, { fit: "fill", kernel: "cubic" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = side * side;
  const input = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) input[c * plane + i] = (rgb[i * 3 + c]! / 255 - mean[c]!) / std[c]!;
  }
  const outputs = await session.run({ [manifest.input]: new ort.Tensor("float32", input, [1, 3, side, side]) });
  const logits = outputs[manifest.output];
  if (!logits || logits.dims.length !== 4 || logits.dims[2] !== side || logits.dims[3] !== side)
    throw new SegmenterFilesError(
      `segmentation model ${manifest.file}: expected output ${manifest.output} of [1, 1, ${side}, ${side}], got [${logits?.dims.join(", ") ?? "none"}]`,
    );
  const values = logits.data as Float32Array;
  const square = Buffer.alloc(plane);
  for (let i = 0; i < plane; i++) square[i] = Math.round(255 / (1 + Math.exp(-values[i]!)));

  const meta = await sharp(photo).metadata();
  const [alphaWidth, alphaHeight] = [meta.autoOrient?.width ?? meta.width!, meta.autoOrient?.height ?? meta.height!];
  const resizeAlpha = (width: number, height: number) =>
    sharp(square, { raw: { width: side, height: side, channels: 1 } })
      .resize(width, height, { fit: "fill", kernel: "linear" })
      .extractChannel(0)
      .raw()
      .toBuffer();
  const alpha = await resizeAlpha(alphaWidth, alphaHeight);
  // The grid the border matte uses, so both mattes read alike.
  const { data: gridRgb, info } = await decoded()
    .resize(MATTE_RULES.side, MATTE_RULES.side, { fit: "inside", kernel: "cubic" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const gridAlpha = await resizeAlpha(info.width, info.height);
  return matteFromAlpha(gridAlpha, gridRgb, info.width, info.height, { alpha, alphaWidth, alphaHeight });
}

/** The matte of a model's alpha (0–255) on a grid, with the grid's RGB for the backdrop colour. */
export function matteFromAlpha(
  gridAlpha: Uint8Array,
  gridRgb: Uint8Array,
  width: number,
  height: number,
  full: { alpha: Buffer; alphaWidth: number; alphaHeight: number },
): SegmentedMatte {
  const n = width * height;
  const mask = new Uint8Array(n);
  let [product, uncertainCount] = [0, 0];
  let [left, top, right, bottom] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const a = gridAlpha[i]!;
      if (a > 25 && a < 230) uncertainCount++;
      if (a < 128) continue;
      mask[i] = 1;
      product++;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(x, (height - 1) * width + x);
  for (let y = 1; y < height - 1; y++) border.push(y * width, y * width + width - 1);
  const borderBack = border.filter((i) => mask[i] === 0);
  const median = (c: number) => {
    const values = (borderBack.length > 0 ? borderBack : border).map((i) => gridRgb[i * 3 + c]!).sort((p, q) => p - q);
    return values[Math.floor(values.length / 2)]!;
  };
  const box =
    right < 0
      ? null
      : { left: left / width, top: top / height, right: (right + 1) / width, bottom: (bottom + 1) / height };
  const borderBackdrop = borderBack.length / border.length;
  const productShare = product / n;
  const uncertain = uncertainCount / n;
  const plain =
    box !== null &&
    borderBackdrop >= SEGMENT_RULES.minBorderBackdrop &&
    productShare >= SEGMENT_RULES.minProductShare &&
    productShare <= SEGMENT_RULES.maxProductShare &&
    uncertain <= SEGMENT_RULES.maxUncertain;
  const matte: Matte = {
    width,
    height,
    mask,
    backdrop: { r: median(0), g: median(1), b: median(2) },
    borderBackdrop,
    productShare,
    box,
    plain,
  };
  const { cohesion, trusted } = cutoutQuality(matte);
  return { ...matte, ...full, source: "model", uncertain, cohesion, trusted };
}

export interface ProductMatte {
  matte: Matte;
  /** Which matte it is: the border's (plain backdrop, or no trusted alternative) or the model's. */
  from: "border" | "model";
  /** Why the model was not asked or failed, when it was needed (one line). */
  problem?: string;
}

/**
 * The border matte if it makes a clean cut-out, else the model's matte if trusted, else the border
 * matte (so callers decide on it exactly as before). `segment` absent: the border matte alone.
 */
export async function productMatte(photo: Buffer, segment?: Segment, border?: Matte): Promise<ProductMatte> {
  border ??= await plainBackdropMatte(photo);
  if (cutoutQuality(border).trusted || !segment) return { matte: border, from: "border" };
  let model: Matte;
  try {
    model = await segment(photo);
  } catch (error) {
    return { matte: border, from: "border", problem: (error as Error).message.split("\n")[0] };
  }
  return cutoutQuality(model).trusted ? { matte: model, from: "model" } : { matte: border, from: "border" };
}
