// Background augmentation on the real tuner (tiny profile, offline; one resident process): the backgrounds are drawn once and
// shared through the blob store like the class images, a corrupt stored one is drawn again, and the
// packshots become composites on them.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, expect, it } from "vitest";
import { config } from "../../lib/config";
import { AUGMENTATION, compositeCount } from "../../lib/dataset/augmentation";
import { preparePhoto } from "../../lib/images/prepare-photo";
import { LocalBlobStore, parseBlobKey } from "../../lib/storage";
import { closeTuners } from "../tuner-pool";
import { backgroundSet, ensureBackgrounds, writeComposites } from "./augment";

const cfg = { ...config(), modelProfile: "tiny" as const };
const env = { SCENEBOOTH_MODELS_DIR: cfg.modelsDir, SCENEBOOTH_OFFLINE: "1" };
const PACKSHOTS = ["carton-0", "carton-1", "carton-2", "carton-3"];

const digest = async (file: string) =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");

let tmp: string;
let store: LocalBlobStore;
let photos: string[];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "augment-"));
  await mkdir(path.join(tmp, "photos"));
  store = new LocalBlobStore({ rootDir: path.join(tmp, "blobs"), publicBaseUrl: "http://app.test", signingKey: "k" });
  photos = await Promise.all(
    PACKSHOTS.map(async (name) => {
      const source = await readFile(path.join(import.meta.dirname, "../../tests/fixtures/packshots", `${name}.png`));
      const file = path.join(tmp, "photos", `${name}.png`);
      await writeFile(file, (await preparePhoto(source)).png);
      return file;
    }),
  );
});
afterAll(async () => {
  await closeTuners();
  await rm(tmp, { recursive: true, force: true });
});

/** A host with its own work folder making sure the backgrounds are there; returns them and its log. */
async function backgroundsOn(host: string) {
  const lines: string[] = [];
  const files = await ensureBackgrounds(
    store,
    cfg,
    { python: cfg.python, timeoutMs: 120_000, workDir: path.join(tmp, host, "job"), env },
    { classNoun: "box", cacheDir: path.join(tmp, host) },
    (line) => lines.push(line),
  );
  return { files, lines };
}

it(
  "draws the backgrounds once for the fleet, draws a corrupt stored one again, and composites the packshots on them",
  { timeout: 240_000 },
  async () => {
    const count = AUGMENTATION.backgroundPrompts.length;
    const first = await backgroundsOn("host-a");
    expect(first.lines).toEqual([
      expect.stringMatching(new RegExp(`: ${count} drawn, ${count} stored for the fleet$`)),
    ]);
    const stored = await store.list("global/backgrounds/");
    expect(stored).toHaveLength(count);
    expect(() => parseBlobKey(stored[0]!), "no shop's key: never signed, served or purged").toThrow();

    // Another host fetches them all; a third finds one corrupt in the store and draws that one only.
    const second = await backgroundsOn("host-b");
    expect(second.lines).toEqual([]);
    expect(await Promise.all(second.files.map(digest))).toEqual(await Promise.all(first.files.map(digest)));
    await writeFile(path.join(tmp, "blobs", stored[1]!), "not a png");
    const third = await backgroundsOn("host-c");
    expect(third.lines).toEqual([
      expect.stringMatching(/0001\.png in the blob store is not an image; drawing it again$/),
      expect.stringMatching(/: 1 drawn, 1 stored for the fleet$/),
    ]);
    // Drawn again (alone, where it was drawn in a batch: the same seed, within rounding) and stored again.
    const redrawn = await readFile(third.files[1]!);
    expect(
      createHash("sha256")
        .update((await store.get(stored[1]!)).data)
        .digest("hex"),
    ).toBe(await digest(third.files[1]!));
    const [again, before] = await Promise.all(
      [redrawn, await readFile(first.files[1]!)].map((png) => sharp(png).raw().toBuffer()),
    );
    let largest = 0;
    for (let i = 0; i < again!.length; i++) largest = Math.max(largest, Math.abs(again![i]! - before![i]!));
    expect(largest).toBeLessThanOrEqual(8);
    expect(backgroundSet(cfg, path.join(tmp, "host-c")).dir).toBe(path.dirname(third.files[0]!));

    const composites = await writeComposites(photos, first.files, path.join(tmp, "composites"));
    expect(composites).toHaveLength(photos.length * compositeCount(photos.length));
    for (const file of composites) {
      const meta = await sharp(file).metadata();
      expect([meta.width, meta.height, meta.channels]).toEqual([768, 768, 3]);
    }
  },
);
