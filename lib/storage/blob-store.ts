import type { BlobKey } from "./keys";

export interface PutOptions {
  contentType?: string;
}

export interface StoredBlob {
  data: Buffer;
  contentType: string;
}

/** How long a signed URL works when the caller does not say. */
export const DEFAULT_SIGNED_URL_SECONDS = 900;

export class BlobNotFoundError extends Error {
  override name = "BlobNotFoundError";
  constructor(readonly key: string) {
    super(`no blob stored at ${key}`);
  }
}

/**
 * The one storage interface for photos, adapters and candidates: a local directory by default, an
 * S3-compatible bucket in production.
 */
export interface BlobStore {
  put(key: BlobKey, data: Buffer, options?: PutOptions): Promise<void>;
  /** @throws BlobNotFoundError */
  get(key: BlobKey): Promise<StoredBlob>;
  exists(key: BlobKey): Promise<boolean>;
  /** A URL that serves the blob until it expires, without any other credential. */
  signedUrl(key: BlobKey, options?: { expiresInSeconds?: number }): Promise<string>;
  /** Deletes one blob; deleting a missing blob is not an error. */
  delete(key: BlobKey): Promise<void>;
  /** Deletes every blob whose key starts with the prefix; returns how many were deleted. */
  deleteByPrefix(prefix: string): Promise<number>;
  /** Lists keys under a prefix (for audits and tests). */
  list(prefix: string): Promise<BlobKey[]>;
}
