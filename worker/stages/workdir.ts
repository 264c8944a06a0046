import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
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

/** Writes a blob to a local file once. */
export async function materialize(store: BlobStore, key: string, file: string): Promise<string> {
  if (!existsSync(file)) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, (await store.get(parseBlobKey(key).key)).data);
  }
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
export async function storeArtifact(store: BlobStore, shop: string, parts: string[], artifact: string): Promise<string> {
  const files = (await stat(artifact)).isDirectory() ? await walk(artifact) : [artifact];
  for (const file of files) {
    const relative = path.relative(path.dirname(artifact), file).split(path.sep);
    await store.put(blobKey(shop, ...parts, ...relative), await readFile(file));
  }
  return blobKey(shop, ...parts, path.basename(artifact));
}

/** Brings an artifact stored by storeArtifact back to local files; returns the artifact's path. */
export async function restoreArtifact(store: BlobStore, artifactKey: string, dir: string): Promise<string> {
  const prefix = artifactKey.slice(0, artifactKey.lastIndexOf("/") + 1);
  const target = path.join(dir, artifactKey.slice(prefix.length));
  if (existsSync(target)) return target;
  for (const key of await store.list(artifactKey)) {
    await materialize(store, key, path.join(dir, key.slice(prefix.length)));
  }
  return target;
}
