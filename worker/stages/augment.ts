import { createHash, randomUUID } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import type { Config } from "../../lib/config";
import type { DatasetReport } from "../../lib/dataset/dataset-check";
import { AUGMENTATION, compositeCount, placementFor } from "../../lib/dataset/augmentation";
import { composite, cutOut } from "../../lib/images/composite";
import { plainBackdropMatte, type Matte } from "../../lib/images/matte";
import { TUNING_SETTINGS } from "../../lib/pipeline/tuning-settings";
import { backgroundImageKey, backgroundImagesPrefix, type BlobStore } from "../../lib/storage";
import { runTuner } from "../tuner-pool";
import type { TunerRunOptions } from "../tuner-process";
import { writeAtomically } from "./workdir";

/**
 * Background augmentation's backgrounds (lib/dataset/augmentation.ts) are the same for every shop, like
 * the class images (class-images.ts): one set per profile and prompt list, drawn by the base model with
 * fixed seeds, kept in a host's cache folder and in blob storage under the global prefix. A background
 * that is missing or unreadable in both is drawn again (and stored again); the store is a cache, so a
 * store that fails costs GPU time, never the request.
 */
export interface BackgroundSet {
  /** Its path under the blob store's backgrounds prefix and under the local cache. */
  set: string;
  dir: string;
  /** One file per prompt: 0000.png … */
  files: string[];
  prompts: readonly string[];
  steps: number;
}

export function backgroundSet(cfg: Pick<Config, "modelProfile">, cacheDir: string): BackgroundSet {
  const steps = TUNING_SETTINGS[cfg.modelProfile].sampleSteps?.standard ?? AUGMENTATION.backgroundSteps;
  const prompts = AUGMENTATION.backgroundPrompts;
  const digest = createHash("sha256")
    .update(JSON.stringify({ prompts, seed: AUGMENTATION.backgroundSeed, steps }))
    .digest("hex")
    .slice(0, 16);
  const set = `${cfg.modelProfile}/${digest}`;
  return {
    set,
    dir: path.join(cacheDir, "backgrounds", ...set.split("/")),
    files: prompts.map((_, i) => `${String(i).padStart(4, "0")}.png`),
    prompts,
    steps,
  };
}

/** Whether `data` decodes as an image big enough to be a background. */
async function isImage(data: Buffer): Promise<boolean> {
  try {
    const { info } = await sharp(data).raw().toBuffer({ resolveWithObject: true }); // decodes every pixel
    return info.width >= 8 && info.height >= 8;
  } catch {
    return false;
  }
}

const readImage = async (file: string) => {
  const data = await readFile(file).catch(() => null);
  return data !== null && (await isImage(data)) ? data : null;
};

type TunerOptions = Omit<TunerRunOptions<"generate">, "command" | "spec" | "onProgress">;

/**
 * The set's local files, each a readable image: from the cache folder, else the blob store, else drawn
 * now by the tuner's base model (then shared with the fleet). Returns the files' paths.
 */
export async function ensureBackgrounds(
  store: BlobStore,
  cfg: Pick<Config, "modelProfile">,
  tuner: TunerOptions & { mode?: Config["tunerMode"] },
  job: { classNoun: string; cacheDir: string },
  log: (line: string) => void,
): Promise<string[]> {
  const bg = backgroundSet(cfg, job.cacheDir);
  const paths = bg.files.map((name) => path.join(bg.dir, name));
  const stored = await store.list(backgroundImagesPrefix(bg.set)).then(
    (keys) => new Set(keys),
    (error: Error) => {
      log(`backgrounds ${bg.set}: blob store not read (${error.message})`);
      return new Set<string>();
    },
  );
  const missing: number[] = [];
  for (const [i, name] of bg.files.entries()) {
    if ((await readImage(paths[i]!)) !== null) continue;
    const key = backgroundImageKey(bg.set, name);
    const data = stored.has(key)
      ? await store.get(key).then(
          (blob) => blob.data,
          () => null,
        )
      : null;
    if (data !== null && (await isImage(data))) {
      await writeAtomically(paths[i]!, data);
      continue;
    }
    if (data !== null) log(`backgrounds ${bg.set}: ${name} in the blob store is not an image; drawing it again`);
    missing.push(i);
  }
  if (missing.length === 0) return paths;

  const outputDir = path.join(bg.dir, `.draw-${randomUUID()}`);
  try {
    const drawn = await runTuner({
      ...tuner,
      command: "generate",
      spec: {
        profile: cfg.modelProfile,
        outputDir,
        classNoun: job.classNoun,
        seed: AUGMENTATION.backgroundSeed,
        scenes: missing.map((i) => bg.prompts[i]!),
        numImages: 1,
        steps: bg.steps,
        product: false,
      },
    });
    let shared = 0;
    for (const [j, image] of drawn.images.entries()) {
      const i = missing[j]!;
      const data = await readFile(image.path);
      await writeAtomically(paths[i]!, data);
      try {
        await store.put(backgroundImageKey(bg.set, bg.files[i]!), data, { contentType: "image/png" });
        shared++;
      } catch (error) {
        log(`backgrounds ${bg.set}: ${bg.files[i]} not stored for the fleet (${(error as Error).message})`);
      }
    }
    log(`backgrounds ${bg.set}: ${missing.length} drawn, ${shared} stored for the fleet`);
  } finally {
    await rm(outputDir, { recursive: true, force: true });
  }
  return paths;
}

/**
 * The composites of each photo (prepared crops): the product cut out with its matte (`matteOf`: the
 * border matte, or the dataset check's choice of border or model matte)
 * and placed on backgrounds, each photo's on different ones. Written to `outDir`; returns their paths,
 * photo by photo.
 */
export async function writeComposites(
  photos: string[],
  backgrounds: string[],
  outDir: string,
  matteOf: (png: Buffer) => Promise<Matte> = plainBackdropMatte,
): Promise<string[]> {
  const perPhoto = compositeCount(photos.length);
  const shadow = { opacity: AUGMENTATION.shadowOpacity, blur: AUGMENTATION.shadowBlur };
  const written: string[] = [];
  for (const [p, photo] of photos.entries()) {
    const data = await readFile(photo);
    const cutout = await cutOut(data, await matteOf(data));
    for (let k = 0; k < perPhoto; k++) {
      const background = backgrounds[(p * perPhoto + k) % backgrounds.length]!;
      const name = `${path.basename(photo, path.extname(photo))}-on-${path.basename(background, ".png")}.png`;
      const png = await composite(cutout, await readFile(background), placementFor(name), shadow);
      const file = path.join(outDir, name);
      await writeAtomically(file, png);
      written.push(file);
    }
  }
  return written;
}

/** Whether the dataset check (the subject's stored report) decided to augment the set. */
export function augmentedByReport(report: string | null): boolean {
  if (!report) return false;
  try {
    return (JSON.parse(report) as DatasetReport).augmentation?.augmented === true;
  } catch {
    return false;
  }
}
