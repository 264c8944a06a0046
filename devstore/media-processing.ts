import { checkImage, IMAGE_LIMITS } from "./image-check";
import type { LocalStore } from "./store";
import { nowIso, type FileRecord, type MediaErrorRecord, type ShopRecord } from "./state";
import { stagedUploadIdFromUrl } from "./staged-uploads";

const EXTENSIONS: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
};

class SourceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The bytes behind an originalSource: a staged upload of this shop, or any http(s) URL (fetched, as Shopify does). */
async function readSource(store: LocalStore, shop: ShopRecord, source: string): Promise<Buffer> {
  const stagedId = stagedUploadIdFromUrl(source);
  if (stagedId !== null) {
    const staged = shop.stagedUploads.find((s) => s.id === stagedId);
    if (!staged) throw new SourceError("INVALID_SIGNED_URL", "The staged upload target does not belong to this shop.");
    if (!staged.uploaded)
      throw new SourceError("IMAGE_DOWNLOAD_FAILURE", "Nothing was uploaded to the staged upload target.");
    return store.blobs.read({ kind: "local", key: staged.key });
  }
  let res: Response;
  try {
    res = await fetch(source, { signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new SourceError("IMAGE_DOWNLOAD_FAILURE", `Could not download ${source}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new SourceError("IMAGE_DOWNLOAD_FAILURE", `Downloading ${source} answered HTTP ${res.status}.`);
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > IMAGE_LIMITS.maxBytes)
    throw new SourceError("INVALID_IMAGE_FILE_SIZE", `File is ${bytes.length} bytes; the limit is 20 MB.`);
  return bytes;
}

function fail(file: FileRecord, error: MediaErrorRecord): void {
  file.status = "FAILED";
  file.errors = [error];
}

async function processFile(store: LocalStore, shop: ShopRecord, file: FileRecord): Promise<void> {
  try {
    const bytes = await readSource(store, shop, file.originalSource);
    file.fileSize = bytes.length;
    if (file.typename === "GenericFile") {
      if (bytes.length > IMAGE_LIMITS.maxBytes) {
        fail(file, { code: "GENERIC_FILE_INVALID_SIZE", message: "File exceeds 20 MB." });
      } else {
        const key = `files/${file.id}`;
        await store.blobs.put(key, bytes);
        file.blob = { kind: "local", key };
        file.status = "READY";
      }
      return;
    }
    const check = await checkImage(bytes);
    if (!check.ok) {
      fail(file, { code: check.code, message: check.message });
      return;
    }
    const key = `files/${file.id}.${EXTENSIONS[check.mimeType] ?? "bin"}`;
    await store.blobs.put(key, bytes);
    Object.assign(file, {
      blob: { kind: "local", key },
      mimeType: check.mimeType,
      width: check.width,
      height: check.height,
      status: "READY",
      errors: [],
    });
  } catch (err) {
    fail(
      file,
      err instanceof SourceError
        ? { code: err.code, message: err.message }
        : { code: "UNKNOWN", message: (err as Error).message },
    );
  } finally {
    file.updatedAt = nowIso();
    store.changed();
  }
}

/** UPLOADED → (a step) → PROCESSING → (a step) → READY or FAILED, like Shopify's asynchronous media processing. */
export function startProcessing(store: LocalStore, shop: ShopRecord, file: FileRecord): void {
  const step = store.timing.mediaStepMs;
  const toProcessing = () => {
    file.status = "PROCESSING";
    file.updatedAt = nowIso();
    store.changed();
    store.schedule(step, () => processFile(store, shop, file));
  };
  if (file.status === "PROCESSING") store.schedule(step, () => processFile(store, shop, file));
  else store.schedule(step, toProcessing);
}

/** After a restart: picks up files that were still being processed. */
export function resumeProcessing(store: LocalStore): void {
  for (const shop of store.state.shops) {
    for (const file of shop.files) {
      if (file.status === "UPLOADED" || file.status === "PROCESSING") startProcessing(store, shop, file);
    }
  }
}
