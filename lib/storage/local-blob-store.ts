import { mkdir, readFile, rm, stat, writeFile, rename, readdir } from "node:fs/promises";
import path from "node:path";
import { randomUUID } from "node:crypto";
import {
  BlobNotFoundError,
  DEFAULT_SIGNED_URL_SECONDS,
  type BlobStore,
  type PutOptions,
  type StoredBlob,
} from "./blob-store";
import { storableBlobKey, type BlobKey } from "./keys";
import { signBlobKey } from "./signing";

const META_SUFFIX = ".meta.json";

export interface LocalBlobStoreOptions {
  rootDir: string;
  /** Public origin of the app that serves /blobs (signed URLs are absolute). */
  publicBaseUrl: string;
  signingKey: string;
  defaultExpiresInSeconds?: number;
}

/** Blobs as files under one directory; writes are atomic (temp file + rename). */
export class LocalBlobStore implements BlobStore {
  constructor(private readonly options: LocalBlobStoreOptions) {}

  private filePath(key: BlobKey): string {
    // Keys are validated (no "..", no absolute parts), so the path stays under rootDir.
    return path.join(this.options.rootDir, storableBlobKey(key));
  }

  async put(key: BlobKey, data: Buffer, options: PutOptions = {}): Promise<void> {
    const file = this.filePath(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}.tmp`;
    await writeFile(tmp, data);
    await writeFile(
      `${file}${META_SUFFIX}`,
      JSON.stringify({ contentType: options.contentType ?? "application/octet-stream" }),
    );
    await rename(tmp, file);
  }

  async get(key: BlobKey): Promise<StoredBlob> {
    const file = this.filePath(key);
    try {
      const [data, meta] = await Promise.all([
        readFile(file),
        readFile(`${file}${META_SUFFIX}`, "utf8").catch(() => "{}"),
      ]);
      const contentType = (JSON.parse(meta) as { contentType?: string }).contentType ?? "application/octet-stream";
      return { data, contentType };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new BlobNotFoundError(key);
      throw error;
    }
  }

  async exists(key: BlobKey): Promise<boolean> {
    try {
      return (await stat(this.filePath(key))).isFile();
    } catch {
      return false;
    }
  }

  async signedUrl(key: BlobKey, options: { expiresInSeconds?: number } = {}): Promise<string> {
    const ttl = options.expiresInSeconds ?? this.options.defaultExpiresInSeconds ?? DEFAULT_SIGNED_URL_SECONDS;
    const { expires, signature } = signBlobKey(this.options.signingKey, key, Math.floor(Date.now() / 1000) + ttl);
    const url = new URL(`/blobs/${key}`, this.options.publicBaseUrl);
    url.searchParams.set("expires", String(expires));
    url.searchParams.set("signature", signature);
    return url.toString();
  }

  async list(prefix: string): Promise<BlobKey[]> {
    const keys: BlobKey[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        throw error;
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!entry.name.endsWith(META_SUFFIX) && !entry.name.endsWith(".tmp")) {
          const key = path.relative(this.options.rootDir, full).split(path.sep).join("/");
          if (key.startsWith(prefix)) keys.push(key as BlobKey);
        }
      }
    };
    await walk(path.join(this.options.rootDir, prefixDirectory(prefix)));
    return keys.sort();
  }

  async delete(key: BlobKey): Promise<void> {
    const file = this.filePath(key);
    await rm(file, { force: true });
    await rm(`${file}${META_SUFFIX}`, { force: true });
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    if (!prefix.startsWith("shops/")) throw new Error(`refusing to delete outside shops/: "${prefix}"`);
    const keys = await this.list(prefix);
    await Promise.all(keys.map((key) => this.delete(key)));
    if (prefix.endsWith("/")) {
      await rm(path.join(this.options.rootDir, prefix), { recursive: true, force: true });
    }
    return keys.length;
  }
}

/** The deepest directory that can contain keys with this prefix. */
function prefixDirectory(prefix: string): string {
  const slash = prefix.lastIndexOf("/");
  return slash < 0 ? "" : prefix.slice(0, slash);
}
