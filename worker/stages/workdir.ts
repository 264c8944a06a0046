import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { BlobStore } from "../../lib/storage";
import { blobKey, parseBlobKey } from "../../lib/storage";

/**
 * The GPU stages work on local files: a folder per subject and tuning settings, kept between
 * attempts so that a killed job resumes from the tuner's last checkpoint.
 */
export function subjectWorkDir(root: string, shop: string, subjectId: string, settingsHash: string): string {
  return path.join(root, shop, subjectId, settingsHash.slice(0, 16));
}

/** Writes a file under a temporary name, then renames it: a kill or a full disk never leaves half a file at `file`. */
export async function writeAtomically(file: string, data: Buffer | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.partial-${randomUUID()}`;
  try {
    await writeFile(partial, data);
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

const sizeOf = (file: string) =>
  stat(file).then(
    (s) => (s.isFile() ? s.size : -1),
    () => -1,
  );

/** What a copy in the work folder was made from: the blob's key and size, written once the copy is whole. */
interface CopyRecord {
  key: string;
  size: number;
}

const recordFile = (file: string) => path.join(path.dirname(file), `.${path.basename(file)}.blob.json`);

async function readRecord(file: string): Promise<CopyRecord | null> {
  try {
    return JSON.parse(await readFile(recordFile(file), "utf8")) as CopyRecord;
  } catch {
    return null;
  }
}

/**
 * Writes a blob to a local file once. A file is reused only when its record says it is a whole copy
 * of this blob (same key, same size): a copy cut short by a kill or a full disk (or left by an older
 * version without a record) is fetched again.
 */
export async function materialize(store: BlobStore, key: string, file: string): Promise<string> {
  const record = await readRecord(file);
  if (record?.key === key && (await sizeOf(file)) === record.size) return file;
  const { data } = await store.get(parseBlobKey(key).key);
  await writeAtomically(file, data);
  await writeAtomically(recordFile(file), JSON.stringify({ key, size: data.length } satisfies CopyRecord));
  return file;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else out.push(full);
  }
  return out;
}

/** Stores a tuner artifact (a LoRA file, or a folder of full weights) under one blob prefix. */
export async function storeArtifact(
  store: BlobStore,
  shop: string,
  parts: string[],
  artifact: string,
): Promise<string> {
  const files = (await stat(artifact)).isDirectory() ? await walk(artifact) : [artifact];
  for (const file of files) {
    const relative = path.relative(path.dirname(artifact), file).split(path.sep);
    await store.put(blobKey(shop, ...parts, ...relative), await readFile(file));
  }
  return blobKey(shop, ...parts, path.basename(artifact));
}

/** Whether every file the manifest lists is in `dir` with its size. */
async function intact(dir: string, manifest: Record<string, number> | null): Promise<boolean> {
  if (!manifest || Object.keys(manifest).length === 0) return false;
  for (const [relative, size] of Object.entries(manifest))
    if ((await sizeOf(path.join(dir, relative))) !== size) return false;
  return true;
}

/**
 * Brings an artifact stored by storeArtifact back to local files; returns the artifact's path. The
 * artifact (a file or a folder) is restored into a staging folder and renamed into place whole; its
 * manifest (each file's size) is written last, and a copy that does not match it is restored again.
 */
export async function restoreArtifact(store: BlobStore, artifactKey: string, dir: string): Promise<string> {
  const prefix = artifactKey.slice(0, artifactKey.lastIndexOf("/") + 1);
  const name = artifactKey.slice(prefix.length);
  const target = path.join(dir, name);
  const manifestFile = path.join(dir, `.${name}.manifest.json`);
  const readManifest = () =>
    readFile(manifestFile, "utf8").then(
      (text) => JSON.parse(text) as Record<string, number>,
      () => null,
    );
  if (await intact(dir, await readManifest())) return target;

  const keys = await store.list(artifactKey);
  if (keys.length === 0) throw new Error(`the stored artifact ${artifactKey} has no files`);
  await mkdir(dir, { recursive: true });
  const staging = await mkdtemp(path.join(dir, `.${name}.partial-`));
  try {
    const manifest: Record<string, number> = {};
    for (const key of keys) {
      const relative = key.slice(prefix.length);
      const { data } = await store.get(parseBlobKey(key).key);
      await mkdir(path.dirname(path.join(staging, relative)), { recursive: true });
      await writeFile(path.join(staging, relative), data);
      manifest[relative] = data.length;
    }
    await rm(manifestFile, { force: true });
    await rm(target, { recursive: true, force: true });
    await rename(path.join(staging, name), target);
    await writeAtomically(manifestFile, JSON.stringify(manifest));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return target;
}
