import { config } from "../config";
import type { BlobStore } from "./blob-store";
import { LocalBlobStore } from "./local-blob-store";

export * from "./blob-store";
export * from "./keys";
export { LocalBlobStore } from "./local-blob-store";
export { verifyBlobSignature, signBlobKey } from "./signing";

let store: BlobStore | undefined;

/** The process-wide blob store chosen by configuration (local directory by default). */
export function blobStore(): BlobStore {
  if (!store) {
    const cfg = config();
    store = new LocalBlobStore({
      rootDir: cfg.storageDir,
      publicBaseUrl: cfg.shopify.appUrl,
      signingKey: cfg.storageSigningKey,
    });
  }
  return store;
}
