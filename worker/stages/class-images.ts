import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { Config } from "../../lib/config";
import { classImageKey, classImagesPrefix, type BlobStore } from "../../lib/storage";
import { writeAtomically } from "./workdir";

/**
 * Prior-preservation class images ("a <class>" drawn by the base model) are the same for every shop:
 * one set per base model, revision, class noun and sampler settings, named by the tuner
 * (scenebooth_tuner/class_sets.py) and kept in blob storage under the global prefix
 * (lib/storage/keys.ts), which no shop's purge, listing or signed URL reaches. A host fetches the set
 * before training and stores the images it made after, so the fleet makes each set once.
 *
 * No lock: two hosts that train the same new class at once both make the set and both store it. Each
 * image is one atomic put of the same seeded picture, so the race costs GPU time once and never leaves a
 * broken set; a lock would not save that time, as the waiting host's GPU would idle as long.
 */
export interface ClassImageSet {
  /** The set's name: its path under the blob store's class-images prefix and under the local cache. */
  set: string;
  /** The local folder the tuner reads and fills. */
  dir: string;
  /** The image files a job of this profile uses: 0000.png … */
  files: string[];
}

const run = promisify(execFile);

/** The set a train job of `cfg`'s profile uses for `classNoun`, as the tuner names it. */
export async function classImageSet(cfg: Config, classNoun: string, cacheDir: string): Promise<ClassImageSet> {
  const { stdout } = await run(
    cfg.python,
    [
      "-m",
      "scenebooth_tuner",
      "class-set",
      "--profile",
      cfg.modelProfile,
      "--class-noun",
      classNoun,
      "--cache-dir",
      cacheDir,
    ],
    { env: { ...process.env, SCENEBOOTH_MODELS_DIR: cfg.modelsDir }, timeout: 60_000 },
  );
  return JSON.parse(stdout) as ClassImageSet;
}

const isFile = (file: string) =>
  stat(file).then(
    (s) => s.isFile(),
    () => false,
  );

/** Copies the set's stored images that the local folder lacks; returns how many it copied. */
export async function fetchClassImages(store: BlobStore, classSet: ClassImageSet): Promise<number> {
  const stored = new Set(await store.list(classImagesPrefix(classSet.set)));
  let fetched = 0;
  for (const name of classSet.files) {
    const key = classImageKey(classSet.set, name);
    const file = path.join(classSet.dir, name);
    if (!stored.has(key) || (await isFile(file))) continue;
    await writeAtomically(file, (await store.get(key)).data);
    fetched++;
  }
  return fetched;
}

/** Stores the local images the store lacks (the tuner writes each file atomically); returns how many. */
export async function storeClassImages(store: BlobStore, classSet: ClassImageSet): Promise<number> {
  const stored = new Set(await store.list(classImagesPrefix(classSet.set)));
  let put = 0;
  for (const name of classSet.files) {
    const key = classImageKey(classSet.set, name);
    if (stored.has(key)) continue;
    const data = await readFile(path.join(classSet.dir, name)).catch(() => null);
    if (data === null) continue;
    await store.put(key, data, { contentType: "image/png" });
    put++;
  }
  return put;
}

/**
 * Runs `train` with the fleet's class images in place, then shares the ones it made. The store is a cache
 * here: when it fails, the tuner makes what is missing and the next job shares it.
 */
export async function withSharedClassImages<T>(
  store: BlobStore,
  cfg: Config,
  classNoun: string,
  cacheDir: string,
  log: (line: string) => void,
  train: () => Promise<T>,
): Promise<T> {
  const classSet = await classImageSet(cfg, classNoun, cacheDir);
  const share = async (what: string, move: () => Promise<number>) => {
    try {
      const n = await move();
      if (n > 0) log(`class images ${classSet.set}: ${n} ${what}`);
    } catch (error) {
      log(`class images ${classSet.set}: not ${what} (${(error as Error).message})`);
    }
  };
  await share("fetched from the blob store", () => fetchClassImages(store, classSet));
  const result = await train();
  await share("stored for the fleet", () => storeClassImages(store, classSet));
  return result;
}
