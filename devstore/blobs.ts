import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import type { BlobRef } from "./state";

/** The store's bytes: its own files under `dir`, and read-only photos in the shared data folder. */
export class BlobStore {
  constructor(
    readonly dir: string,
    readonly sharedDir: string,
  ) {}

  private local(key: string): string {
    const abs = path.resolve(this.dir, key);
    if (!abs.startsWith(path.resolve(this.dir) + path.sep))
      throw new Error(`Blob key escapes the files folder: ${key}`);
    return abs;
  }

  pathOf(ref: BlobRef): string {
    if (ref.kind === "local") return this.local(ref.key);
    const abs = path.resolve(this.sharedDir, ref.path);
    if (!abs.startsWith(path.resolve(this.sharedDir) + path.sep))
      throw new Error(`Shared path escapes the shared folder: ${ref.path}`);
    return abs;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const abs = this.local(key);
    await fsp.mkdir(path.dirname(abs), { recursive: true });
    await fsp.writeFile(abs, bytes);
  }

  async read(ref: BlobRef): Promise<Buffer> {
    return fsp.readFile(this.pathOf(ref));
  }

  async stat(key: string): Promise<{ size: number }> {
    return fsp.stat(this.local(key));
  }

  exists(ref: BlobRef): boolean {
    return fs.existsSync(this.pathOf(ref));
  }
}
