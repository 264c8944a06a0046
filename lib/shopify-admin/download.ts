import { imageSourcePolicy, ImageSourceError, type ImageSourcePolicy } from "./image-source";
import { sniffImageType } from "./image-type";

export type ImageDownloadErrorCode =
  "http" | "too-large" | "not-an-image" | "type-not-allowed" | "timeout" | "network" | "source-not-allowed";

const MAX_REDIRECTS = 5;

export class ImageDownloadError extends Error {
  override name = "ImageDownloadError";
  constructor(
    readonly code: ImageDownloadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface DownloadOptions {
  /** Default 20 MB, Shopify's own limit for product images. */
  maxBytes?: number;
  /** For the whole download, headers and body (default 30 s). */
  timeoutMs?: number;
  allowedTypes?: readonly string[];
  fetch?: typeof fetch;
  /** Where photos may come from (default: Shopify's CDN, see image-source.ts). */
  sources?: ImageSourcePolicy;
}

export interface DownloadedImage {
  bytes: Buffer;
  /** From the magic bytes, not from Content-Type. */
  mimeType: string;
}

/** Downloads a product image (media URL) with a size cap, a timeout, and a check that the bytes are an image. */
export async function downloadImage(url: string, options: DownloadOptions = {}): Promise<DownloadedImage> {
  const maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const allowed = options.allowedTypes ?? ["image/jpeg", "image/png", "image/gif", "image/webp"];
  const signal = AbortSignal.timeout(timeoutMs);
  const fail = (err: unknown): never => {
    if (err instanceof ImageDownloadError) throw err;
    if (signal.aborted) throw new ImageDownloadError("timeout", `Downloading ${url} took longer than ${timeoutMs} ms.`);
    throw new ImageDownloadError("network", `Downloading ${url} failed: ${(err as Error).message}`);
  };
  const sources = options.sources ?? imageSourcePolicy();
  let res: Response;
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    try {
      await sources.check(current);
    } catch (err) {
      if (err instanceof ImageSourceError)
        throw new ImageDownloadError("source-not-allowed", `Not downloading ${current.href}: ${err.message}`);
      return fail(err);
    }
    try {
      // Redirects are followed by hand, so that each hop's host is checked again.
      res = await (options.fetch ?? fetch)(current, { signal, redirect: "manual" });
    } catch (err) {
      return fail(err);
    }
    const location = res.status >= 300 && res.status < 400 ? res.headers.get("location") : null;
    if (!location) break;
    await res.body?.cancel().catch(() => undefined);
    if (hop === MAX_REDIRECTS)
      throw new ImageDownloadError("http", `Downloading ${url} was redirected more than ${MAX_REDIRECTS} times.`);
    current = new URL(location, current);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new ImageDownloadError("http", `Downloading ${url} answered HTTP ${res.status}.`);
  }
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new ImageDownloadError("too-large", `${url} is ${declared} bytes; the limit is ${maxBytes}.`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel();
        throw new ImageDownloadError("too-large", `${url} is over the ${maxBytes}-byte limit.`);
      }
      chunks.push(value);
    }
  } catch (err) {
    fail(err);
  }
  const bytes = Buffer.concat(chunks);
  const mimeType = sniffImageType(bytes);
  if (!mimeType)
    throw new ImageDownloadError("not-an-image", `${url} is not a JPEG, PNG, GIF or WEBP image (by its first bytes).`);
  if (!allowed.includes(mimeType))
    throw new ImageDownloadError("type-not-allowed", `${url} is ${mimeType}; allowed: ${allowed.join(", ")}.`);
  return { bytes, mimeType };
}
