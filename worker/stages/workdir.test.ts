// The GPU stages' local copies of blobs: a copy cut short (a kill or a full disk mid-write) is never
// reused, and an artifact folder is restored whole or not at all.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { mkdir, readFile, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobKey, LocalBlobStore, type BlobStore } from "../../lib/storage";
import { materialize, restoreArtifact, storeArtifact } from "./workdir";

const SHOP = "workdir-shop.myshopify.com";
let root: string;
let store: LocalBlobStore;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "workdir-test-"));
  store = new LocalBlobStore({ rootDir: path.join(root, "blobs"), publicBaseUrl: "http://app.test", signingKey: "k" });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256));

describe("materialize", () => {
  it("fetches again a copy that was cut short instead of reusing it", async () => {
    const key = blobKey(SHOP, "subjects", "s1", "prepared", "p1.png");
    await store.put(key, bytes(10_000, 1));
    const file = path.join(root, "work", "photos", "p1.png");
    await materialize(store, key, file);
    expect(await readFile(file)).toEqual(bytes(10_000, 1));
    await truncate(file, 4_000);
    await materialize(store, key, file);
    expect(await readFile(file)).toEqual(bytes(10_000, 1));
  });

  it("does not trust a file it did not write (an older copy without a record)", async () => {
    const key = blobKey(SHOP, "subjects", "s1", "prepared", "p2.png");
    await store.put(key, bytes(5_000, 2));
    const file = path.join(root, "work", "photos", "p2.png");
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes(1_000, 2));
    await materialize(store, key, file);
    expect(await readFile(file)).toEqual(bytes(5_000, 2));
  });
});

describe("restoreArtifact", () => {
  async function storedFolder(runId: string) {
    const folder = path.join(root, "trained", runId, "weights");
    await mkdir(path.join(folder, "unet"), { recursive: true });
    await writeFile(path.join(folder, "unet", "model.safetensors"), bytes(20_000, 3));
    await writeFile(path.join(folder, "scenebooth.json"), '{"ok":true}');
    return storeArtifact(store, SHOP, ["subjects", "s1", "weights", runId], folder);
  }

  it("restores a folder again when one of its files was cut short or is missing", async () => {
    const key = await storedFolder("r1");
    const dir = path.join(root, "work", "r1");
    const target = await restoreArtifact(store, key, dir);
    const weights = path.join(target, "unet", "model.safetensors");
    expect(await readFile(weights)).toEqual(bytes(20_000, 3));
    await truncate(weights, 100);
    await restoreArtifact(store, key, dir);
    expect(await readFile(weights)).toEqual(bytes(20_000, 3));
    rmSync(path.join(target, "scenebooth.json"));
    await restoreArtifact(store, key, dir);
    expect(await readFile(path.join(target, "scenebooth.json"), "utf8")).toBe('{"ok":true}');
  });

  it("replaces a half-restored folder left by a killed restore", async () => {
    const key = await storedFolder("r2");
    const dir = path.join(root, "work", "r2");
    // What an interrupted in-place restore leaves: the folder, one file, part of it.
    await mkdir(path.join(dir, "weights", "unet"), { recursive: true });
    await writeFile(path.join(dir, "weights", "unet", "model.safetensors"), bytes(500, 3));
    const target = await restoreArtifact(store, key, dir);
    expect(await readFile(path.join(target, "unet", "model.safetensors"))).toEqual(bytes(20_000, 3));
    expect(await readFile(path.join(target, "scenebooth.json"), "utf8")).toBe('{"ok":true}');
  });

  it("leaves nothing at the target when the restore fails half way", async () => {
    const key = await storedFolder("r3");
    const dir = path.join(root, "work", "r3");
    let reads = 0;
    const failing = {
      ...store,
      list: store.list.bind(store),
      get: async (k: Parameters<BlobStore["get"]>[0]) =>
        ++reads > 1 ? Promise.reject(new Error("connection reset")) : store.get(k),
    } as unknown as BlobStore;
    await expect(restoreArtifact(failing, key, dir)).rejects.toThrow("connection reset");
    expect(readdirSync(dir)).toEqual([]);
    const target = await restoreArtifact(store, key, dir);
    expect(await readFile(path.join(target, "unet", "model.safetensors"))).toEqual(bytes(20_000, 3));
  });
});
