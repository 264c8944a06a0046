/**
 * Upscaling figures (CPU): 768 -> 2048 time for ONNX thick/medium against sharp Lanczos alone;
 * ONNX against UpscalerJS's own TF.js path on the same tile with the same weights; and quality
 * (PSNR, SSIM against the original) of ESRGAN against Lanczos on DreamBench photos: a 2048 photo is
 * downscaled to 768 (Lanczos), upscaled back to 2048, and compared with the original.
 *
 * Runtime on 2 idle cores: about 3 minutes (ESRGAN thick, 7.2 M multiply-adds per input pixel,
 * takes about 1.5 minutes for one 768 image; TF.js is timed on 32 px tiles because it is more than
 * 100x slower).
 *
 * Run alone: npx tsx bench/upscale.bench.ts
 */
import path from "node:path";
import sharp from "sharp";
import { config, projectRoot } from "../lib/config";
import type { Tier } from "../worker/upscale/models";
import { prepareUpscaler, type Upscaler } from "../worker/upscale/upscaler";
import { figure, median, timed, type Figure } from "./figure";
import { psnr, ssim } from "./image-quality";
import { createUpscalerJs } from "./upscalerjs-baseline";

const SIZE = 2048;
const LOW = 768;
const TFJS_TILE = 32;

export function sharedDir(): string {
  return process.env.SCENEBOOTH_SHARED_DIR ?? path.resolve(projectRoot, "..", "shared");
}

/** DreamBench photos that are 2048 px square (the "2048 crop" is the whole photo). */
const PHOTOS = ["colorful_sneaker/00.jpg", "fancy_boot/00.jpg"];

async function rawRgb(input: Buffer | string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(input).removeAlpha().toColourspace("srgb").raw().toBuffer());
}

async function lanczosTo2048(low: Buffer): Promise<Buffer> {
  return sharp(low).resize(SIZE, SIZE, { kernel: "lanczos3" }).png({ compressionLevel: 6 }).toBuffer();
}

interface PhotoRun {
  photo: string;
  original: Uint8Array;
  low: Buffer;
}

async function loadPhoto(photo: string): Promise<PhotoRun> {
  const file = path.join(sharedDir(), "dreambench", photo);
  const meta = await sharp(file).metadata();
  if (meta.width !== SIZE || meta.height !== SIZE)
    throw new Error(`${file} is ${meta.width}x${meta.height}, expected ${SIZE}x${SIZE}`);
  const low = await sharp(file).resize(LOW, LOW, { kernel: "lanczos3" }).png().toBuffer();
  return { photo, original: await rawRgb(file), low };
}

function quality(
  name: string,
  tier: Tier,
  esrgan: Uint8Array,
  lanczos: Uint8Array,
  original: Uint8Array,
  photos: string,
): Figure[] {
  return [
    figure({
      name: `upscale_quality_psnr_${tier}`,
      value: psnr(esrgan, original),
      unit: "dB",
      baseline: "sharp Lanczos 768->2048",
      baselineValue: psnr(lanczos, original),
      goal: "ESRGAN PSNR close to or above Lanczos (GAN-trained SR trades PSNR for detail)",
      note: `${name}; photos: ${photos}`,
    }),
    figure({
      name: `upscale_quality_ssim_${tier}`,
      value: ssim(esrgan, original, SIZE, SIZE),
      unit: "SSIM",
      baseline: "sharp Lanczos 768->2048",
      baselineValue: ssim(lanczos, original, SIZE, SIZE),
      goal: "ESRGAN SSIM >= Lanczos",
      note: `${name}; photos: ${photos}`,
    }),
  ];
}

function averageFigures(groups: Figure[][]): Figure[] {
  return groups[0]!.map((f, i) => {
    const all = groups.map((g) => g[i]!);
    const value = all.reduce((s, x) => s + x.value, 0) / all.length;
    const baselineValue = all.reduce((s, x) => s + x.baselineValue, 0) / all.length;
    return {
      ...f,
      value,
      baselineValue,
      ratio: value / baselineValue,
      note: `mean of ${all.length}; ${all.map((x) => x.note).join(" | ")}`,
    };
  });
}

async function speedAgainstTfjs(tier: Tier, upscaler: Upscaler): Promise<Figure> {
  const photo = await loadPhoto(PHOTOS[0]!);
  const tile = new Uint8Array(
    await sharp(photo.low).extract({ left: 360, top: 360, width: TFJS_TILE, height: TFJS_TILE }).raw().toBuffer(),
  );
  const js = await createUpscalerJs(tier, 4);
  await js.upscale(tile.subarray(0, 8 * 8 * 3), 8, 8); // warm-up
  const tfjs = await timed(() => js.upscale(tile, TFJS_TILE, TFJS_TILE));
  await js.dispose();
  await upscaler.upscaleRgb(tile, TFJS_TILE, TFJS_TILE); // warm-up
  const runs: number[] = [];
  let onnxOut: Uint8Array = new Uint8Array();
  for (let i = 0; i < 5; i++) {
    const r = await timed(() => upscaler.upscaleRgb(tile, TFJS_TILE, TFJS_TILE));
    runs.push(r.ms);
    onnxOut = r.result;
  }
  const onnxMs = median(runs);
  let maxLevels = 0;
  for (let i = 0; i < onnxOut.length; i++) maxLevels = Math.max(maxLevels, Math.abs(onnxOut[i]! - tfjs.result[i]!));
  const perPixel = tfjs.ms / (TFJS_TILE * TFJS_TILE);
  return figure({
    name: `upscale_speedup_onnx_vs_tfjs_${tier}_x4`,
    value: onnxMs,
    unit: `ms per ${TFJS_TILE}x${TFJS_TILE} tile`,
    baseline: "UpscalerJS TF.js (CPU backend), same weights and tile",
    baselineValue: tfjs.ms,
    ratio: tfjs.ms / onnxMs,
    goal: "ONNX >= 5x faster than TF.js (ratio = TF.js time / ONNX time)",
    note: `outputs differ by at most ${maxLevels} levels; TF.js at this rate would take ~${((perPixel * LOW * LOW) / 60000).toFixed(0)} min for 768x768`,
  });
}

export async function benchUpscale(log: (line: string) => void = console.log): Promise<Figure[]> {
  const figures: Figure[] = [];
  const modelsDir = config().modelsDir;
  const photos = await Promise.all(PHOTOS.map(loadPhoto));
  const lanczos = new Map<string, Uint8Array>();
  const lanczosMs: number[] = [];
  for (const p of photos) {
    const r = await timed(() => lanczosTo2048(p.low));
    lanczosMs.push(r.ms);
    lanczos.set(p.photo, await rawRgb(r.result));
  }
  const lanczosSeconds = median(lanczosMs) / 1000;

  for (const tier of ["medium", "thick"] as Tier[]) {
    log(`upscale bench: ESRGAN ${tier}`);
    const upscaler = await prepareUpscaler({ tier, scale: 4, modelsDir, log });
    // thick takes minutes per 768 image on 2 cores: one photo for speed and quality
    const runPhotos = tier === "thick" ? photos.slice(0, 1) : photos;
    const qualityGroups: Figure[][] = [];
    let seconds = Infinity;
    for (const p of runPhotos) {
      const r = await timed(() => upscaler.upscaleTo(p.low, { size: SIZE, format: "png" }));
      seconds = Math.min(seconds, r.ms / 1000);
      log(`  ${p.photo}: ${(r.ms / 1000).toFixed(1)} s`);
      qualityGroups.push(
        quality(`${tier} x4`, tier, await rawRgb(r.result.data), lanczos.get(p.photo)!, p.original, p.photo),
      );
    }
    figures.push(
      figure({
        name: `upscale_768_to_2048_onnx_${tier}`,
        value: seconds,
        unit: "s per image (decode, ESRGAN x4 tiled, Lanczos to 2048, PNG)",
        baseline: "sharp Lanczos 768->2048 alone",
        baselineValue: lanczosSeconds,
        goal:
          tier === "medium"
            ? "<= 30 s per image on 2 CPU cores"
            : "<= 120 s per image on 2 CPU cores (CUDA provider on GPU hosts)",
        note: `fastest of ${runPhotos.length} photo(s); ratio = ESRGAN time / Lanczos time`,
      }),
    );
    figures.push(...averageFigures(qualityGroups));
    figures.push(await speedAgainstTfjs(tier, upscaler));
    await upscaler.close();
  }
  return figures;
}

export default benchUpscale;

if (import.meta.url === `file://${process.argv[1]}`) {
  benchUpscale((line) => console.error(line)).then((figures) => console.log(JSON.stringify(figures, null, 2)));
}
