import { ConfigError, config, type Config } from "../config";
import type { BlobStore } from "./blob-store";
import { LocalBlobStore } from "./local-blob-store";
import { S3BlobStore } from "./s3-blob-store";

export * from "./blob-store";
export * from "./keys";
export { LocalBlobStore } from "./local-blob-store";
export { S3BlobStore, type S3BlobStoreOptions } from "./s3-blob-store";
export { S3StoreError } from "./s3-errors";
export { verifyBlobSignature, signBlobKey } from "./signing";

/** The blob store a configuration names: a local directory, or an S3-compatible bucket. */
export function createBlobStore(cfg: Config): BlobStore {
  if (cfg.storageDriver === "s3") {
    if (!cfg.s3) throw new ConfigError("STORAGE_DRIVER=s3 needs S3_BUCKET.");
    // Credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID…, AWS_PROFILE, a role).
    return new S3BlobStore(cfg.s3);
  }
  return new LocalBlobStore({
    rootDir: cfg.storageDir,
    publicBaseUrl: cfg.shopify.appUrl,
    signingKey: cfg.storageSigningKey,
  });
}

let store: BlobStore | undefined;

/** The process-wide blob store chosen by configuration (local directory by default). */
export function blobStore(): BlobStore {
  store ??= createBlobStore(config());
  return store;
}
