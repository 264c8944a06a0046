import ort from "onnxruntime-node";
import sharp from "sharp";
import { config } from "../../lib/config";
import { ModelFilesError } from "../scoring/errors";
import { decodeRgb, type ImageInput, type ImageLimits } from "../scoring/image-input";
import { createSession, type ExecutionProvider } from "../scoring/session";
import { readFinetunedModel } from "./finetuned";
import { assertTierScale, ensureEsrganOnnx, type Scale, type Tier } from "./models";
import { DEFAULT_TILE_OPTIONS, planTiles, upscaleRgb8, type SrModel, type TileOptions } from "./tiling";

export type OutputFormat = "png" | "jpeg" | "webp";

export interface PrepareUpscalerOptions {
  tier?: Tier;
  scale?: Scale;
  /**
   * A fine-tuned ESRGAN export (`python -m scenebooth_tuner esrgan-finetune`) to use instead of the
   * converted pretrained weights; its tier and scale are its sidecar's (`scale`, if given, must agree).
   */
  modelPath?: string;
  /** Models root (default config().modelsDir); the ONNX file lives in `<modelsDir>/esrgan/`. */
  modelsDir?: string;
  executionProvider?: ExecutionProvider;
  threads?: number;
  tile?: TileOptions;
  /** Input limits; the default refuses inputs over 50 MP and under 32 px. */
  limits?: ImageLimits;
  log?: (line: string) => void;
}

export interface UpscaleToOptions {
  /** Long side of the output, in pixels (default 2048). */
  size?: number;
  format?: OutputFormat;
  /** JPEG/WebP quality 1-100 (default 92). */
  quality?: number;
  /** Written into the EXIF ImageDescription (e.g. the alt text). */
  description?: string;
  /** Drawn over the resized 8-bit RGB image before it is encoded (exact mode's paste-back); returns the new pixels. */
  compose?: (rgb: Buffer, width: number, height: number) => Promise<Buffer>;
}

export interface UpscaleResult {
  data: Buffer;
  width: number;
  height: number;
  format: OutputFormat;
  contentType: string;
  /** False when the input was already at least `size` (Lanczos only). */
  usedModel: boolean;
  /** Documented conversions that were applied to the input or output. */
  conversions: string[];
}

export interface Upscaler {
  readonly tier: Tier;
  readonly scale: Scale;
  readonly modelPath: string;
  /** True when `modelPath` is a fine-tuned export rather than the converted pretrained weights. */
  readonly finetuned: boolean;
  /** The raw model, tiled: 8-bit RGB (HWC) in, `scale`x larger 8-bit RGB out. */
  upscaleRgb(rgb: Uint8Array, width: number, height: number): Promise<Uint8Array>;
  /** Decode -> ESRGAN (tiled) -> Lanczos to `size` on the long side -> PNG/JPEG/WebP, sRGB, with metadata. */
  upscaleTo(input: ImageInput, options?: UpscaleToOptions): Promise<UpscaleResult>;
  close(): Promise<void>;
}

// libvips reads " (" in an EXIF string as the start of its own annotation and drops the rest.
const exifText = (text: string) => text.replace(/\s*\(/g, " [").replace(/\)/g, "]");

const CONTENT_TYPES: Record<OutputFormat, string> = { png: "image/png", jpeg: "image/jpeg", webp: "image/webp" };

/** Converts the ESRGAN weights to ONNX if needed (cached, checksummed) and opens an onnxruntime session. */
export async function prepareUpscaler(options: PrepareUpscalerOptions = {}): Promise<Upscaler> {
  const finetuned = options.modelPath ? await readFinetunedModel(options.modelPath) : undefined;
  if (finetuned && options.scale !== undefined && options.scale !== finetuned.scale)
    throw new ModelFilesError(`${options.modelPath} is an x${finetuned.scale} model; x${options.scale} was asked for`);
  const tier = finetuned?.tier ?? options.tier ?? "thick";
  const scale = finetuned?.scale ?? options.scale ?? 4;
  assertTierScale(tier, scale);
  const tile = options.tile ?? DEFAULT_TILE_OPTIONS;
  planTiles(1, 1, tile); // validates the tile options before any work
  const modelsDir = options.modelsDir ?? config().modelsDir;
  const modelPath = finetuned
    ? finetuned.path
    : (await ensureEsrganOnnx({ modelsDir, tier, scale, log: options.log })).path;
  const session = await createSession(modelPath, {
    executionProvider: options.executionProvider,
    threads: options.threads,
  });
  const model: SrModel = {
    scale,
    async run(chw, width, height) {
      const out = await session.run({ input: new ort.Tensor("float32", chw, [1, 3, height, width]) });
      return out.output!.data as Float32Array;
    },
  };
  const upscaleRgb = (rgb: Uint8Array, width: number, height: number) => upscaleRgb8(model, rgb, width, height, tile);

  return {
    tier,
    scale,
    modelPath,
    finetuned: finetuned !== undefined,
    upscaleRgb,

    async upscaleTo(input, opts = {}) {
      const size = opts.size ?? 2048;
      const format = opts.format ?? "png";
      const quality = opts.quality ?? 92;
      if (!Number.isInteger(size) || size < 16 || size > 16384)
        throw new RangeError(`size must be an integer in 16..16384, got ${size}`);
      if (!(format in CONTENT_TYPES)) throw new RangeError(`format must be png, jpeg or webp, got "${String(format)}"`);
      if (!Number.isInteger(quality) || quality < 1 || quality > 100)
        throw new RangeError(`quality must be 1..100, got ${quality}`);

      const image = await decodeRgb(input, options.limits);
      const conversions = [...image.conversions];
      const long = Math.max(image.width, image.height);
      const width = Math.max(1, Math.round((image.width * size) / long));
      const height = Math.max(1, Math.round((image.height * size) / long));
      const usedModel = long < size;
      let pixels = image.data;
      let pw = image.width;
      let ph = image.height;
      if (usedModel) {
        pixels = await upscaleRgb(image.data, image.width, image.height);
        pw *= scale;
        ph *= scale;
        if (Math.max(pw, ph) < size)
          conversions.push(`ESRGAN x${scale} gave ${Math.max(pw, ph)} px; Lanczos enlarged the rest to ${size} px`);
      } else {
        conversions.push(`input already ${long} px >= ${size} px: resized with Lanczos only`);
      }
      let resized = sharp(pixels, { raw: { width: pw, height: ph, channels: 3 } }).resize(width, height, {
        kernel: "lanczos3",
        fit: "fill",
      });
      if (opts.compose) {
        const rgb = await opts.compose(await resized.raw().toBuffer(), width, height);
        resized = sharp(rgb, { raw: { width, height, channels: 3 } });
      }
      let pipeline = resized.withIccProfile("srgb").withExif({
        IFD0: {
          Software: exifText(
            `SceneBooth ${usedModel ? `ESRGAN ${tier} x${scale}${finetuned ? " fine-tuned" : ""}` : "Lanczos"}`,
          ),
          ...(opts.description ? { ImageDescription: exifText(opts.description) } : {}),
        },
      });
      pipeline =
        format === "png"
          ? pipeline.png({ compressionLevel: 6 })
          : format === "jpeg"
            ? pipeline.jpeg({ quality, mozjpeg: true })
            : pipeline.webp({ quality });
      const data = await pipeline.toBuffer();
      return { data, width, height, format, contentType: CONTENT_TYPES[format], usedModel, conversions };
    },

    async close() {
      await session.release();
    },
  };
}
