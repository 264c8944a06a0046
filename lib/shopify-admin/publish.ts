import type { AdminClient } from "./client";
import { AdminApiError, assertNoUserErrors } from "./errors";
import {
  FileUpdateDocument,
  MediaStatusDocument,
  ProductAddMediaDocument,
  ProductWithMediaDocument,
  StagedUploadsCreateDocument,
  type MediaStatusQuery,
  type ProductWithMediaQuery,
} from "./generated";

export interface PublishImageInput {
  productId: string;
  bytes: Uint8Array;
  filename: string;
  mimeType: "image/png" | "image/jpeg" | "image/webp" | "image/gif";
  alt: string;
  /** The first wait between status polls (default 250 ms); each wait doubles, up to 2 s. */
  pollIntervalMs?: number;
  /** For processing to finish (default 2 min). */
  readyTimeoutMs?: number;
  uploadTimeoutMs?: number;
  fetch?: typeof fetch;
}

export interface PublishedImage {
  mediaId: string;
  url: string;
  width: number | null;
  height: number | null;
  alt: string | null;
  /** Seconds spent waiting for Shopify to process the media (polling until READY). */
  processingSeconds: number;
}

type MediaNode = Extract<MediaStatusQuery["nodes"][number], { id: string }>;

async function upload(
  target: { url: string; parameters: { name: string; value: string }[] },
  input: PublishImageInput,
): Promise<void> {
  const doFetch = input.fetch ?? fetch;
  let lastError = "";
  // The upload only writes the target's object, so repeating it is safe.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const form = new FormData();
    for (const p of target.parameters) form.append(p.name, p.value);
    form.append("file", new Blob([new Uint8Array(input.bytes)], { type: input.mimeType }), input.filename);
    try {
      const res = await doFetch(target.url, {
        method: "POST",
        body: form,
        signal: AbortSignal.timeout(input.uploadTimeoutMs ?? 60_000),
      });
      const text = await res.text();
      if (res.ok) return;
      lastError = `HTTP ${res.status} ${text.slice(0, 200)}`;
      if (res.status < 500 && res.status !== 429) break;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
  throw new AdminApiError(`Uploading ${input.filename} to the staged target failed: ${lastError}`, {
    kind: "http",
    operation: "staged upload",
    attempts: 3,
  });
}

const MAX_POLL_INTERVAL_MS = 2_000;

async function waitUntilProcessed(
  client: AdminClient,
  mediaId: string,
  input: Pick<PublishImageInput, "filename" | "pollIntervalMs" | "readyTimeoutMs">,
): Promise<MediaNode> {
  const deadline = Date.now() + (input.readyTimeoutMs ?? 120_000);
  // Small images are often READY within a second; large ones take several: poll soon, then back off.
  let waitMs = input.pollIntervalMs ?? 250;
  for (;;) {
    const { nodes } = await client.request(MediaStatusDocument, { ids: [mediaId] });
    const media = nodes[0] as MediaNode | null;
    if (!media || !("status" in media))
      throw new AdminApiError(`Media ${mediaId} disappeared while processing.`, {
        kind: "graphql",
        operation: "MediaStatus",
        attempts: 1,
      });
    if (media.status === "READY") return media;
    if (media.status === "FAILED") {
      const why = media.mediaErrors.map((e) => `${e.code}: ${e.message}`).join("; ") || "no reason given";
      // The same bytes fail the same way, and each try would leave another failed media on the product.
      throw Object.assign(
        new AdminApiError(`Shopify could not process ${input.filename}: ${why}`, {
          kind: "graphql",
          operation: "MediaStatus",
          attempts: 1,
          errors: media.mediaErrors,
        }),
        { retryable: false },
      );
    }
    if (Date.now() > deadline)
      throw new AdminApiError(`Media ${mediaId} still ${media.status} after ${input.readyTimeoutMs ?? 120_000} ms.`, {
        kind: "timeout",
        operation: "MediaStatus",
        attempts: 1,
      });
    await new Promise((r) => setTimeout(r, waitMs));
    waitMs = Math.min(2 * waitMs, MAX_POLL_INTERVAL_MS);
  }
}

/** Whether a product media item is the file uploaded as `filename`: its name in the image URL or, while Shopify is still processing it (no image yet), in the uploaded source. */
export function mediaIsFile(
  media: { image?: { url: string } | null; originalSource?: { url?: string | null } | null },
  filename: string,
): boolean {
  const stem = filename.includes(".") ? filename.slice(0, filename.lastIndexOf(".")) : filename;
  const named = (url: string | null | undefined) => {
    if (!url || !URL.canParse(url)) return false;
    const name = decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "");
    // Shopify keeps the uploaded name, with a suffix after "_" when the shop already has a file of that name.
    return name.startsWith(stem) && [".", "_"].includes(name.charAt(stem.length));
  };
  return named(media.image?.url) || named(media.originalSource?.url);
}

/** The product's media item uploaded as `filename` (all of the product's media are searched), or null. */
export async function findProductMedia(
  client: AdminClient,
  productId: string,
  filename: string,
): Promise<{ id: string; status: string } | null> {
  let after: string | null = null;
  for (;;) {
    const { product }: ProductWithMediaQuery = await client.request(ProductWithMediaDocument, {
      id: productId,
      mediaFirst: 50,
      mediaAfter: after,
    });
    if (!product) return null;
    const hit = product.media.nodes.find((media) => "image" in media && mediaIsFile(media, filename));
    if (hit) return { id: hit.id, status: hit.status };
    if (!product.media.pageInfo.hasNextPage) return null;
    after = product.media.pageInfo.endCursor ?? null;
  }
}

/** How many of the product's latest media productUpdate's answer lists to find the one it added. */
const ADDED_MEDIA_WINDOW = 10;

/**
 * Adds an image to a product's media the way Shopify recommends now: stagedUploadsCreate → upload to
 * the target → productUpdate(product:{id}, media:[…]) → poll until READY → alt text set with fileUpdate.
 * productUpdate is never sent twice; if it fails without an answer, the error says it may have run.
 */
export async function publishProductImage(client: AdminClient, input: PublishImageInput): Promise<PublishedImage> {
  const staged = await client.request(StagedUploadsCreateDocument, {
    input: [
      {
        resource: "IMAGE",
        filename: input.filename,
        mimeType: input.mimeType,
        httpMethod: "POST",
        fileSize: String(input.bytes.length),
      },
    ],
  });
  assertNoUserErrors("stagedUploadsCreate", staged.stagedUploadsCreate?.userErrors);
  const target = staged.stagedUploadsCreate?.stagedTargets?.[0];
  if (!target?.url || !target.resourceUrl)
    throw new AdminApiError("stagedUploadsCreate returned no target.", {
      kind: "graphql",
      operation: "StagedUploadsCreate",
      attempts: 1,
    });
  await upload({ url: target.url, parameters: target.parameters }, input);

  const added = await client.request(ProductAddMediaDocument, {
    product: { id: input.productId },
    media: [{ originalSource: target.resourceUrl, alt: input.alt, mediaContentType: "IMAGE" }],
    added: ADDED_MEDIA_WINDOW,
  });
  assertNoUserErrors("productUpdate", added.productUpdate?.userErrors);
  // Not simply the last media: another image published to the same product at the same moment may
  // be after this one. This one is found by its file name.
  const mine = (media: Parameters<typeof mediaIsFile>[0]) =>
    media.originalSource?.url === target.resourceUrl || mediaIsFile(media, input.filename);
  const listed = added.productUpdate?.product?.media.nodes.find((media) => "image" in media && mine(media));
  const mediaId = listed?.id ?? (await findProductMedia(client, input.productId, input.filename))?.id;
  if (!mediaId)
    throw new AdminApiError("productUpdate returned no media.", {
      kind: "graphql",
      operation: "ProductAddMedia",
      attempts: 1,
    });

  return finishProductImage(client, mediaId, input);
}

/**
 * Waits until a product image Shopify is processing is READY and sets its alt text: the end of
 * publishProductImage, and of a publish whose productUpdate ran but whose answer was lost.
 */
export async function finishProductImage(
  client: AdminClient,
  mediaId: string,
  input: Pick<PublishImageInput, "filename" | "alt" | "pollIntervalMs" | "readyTimeoutMs">,
): Promise<PublishedImage> {
  const waitStarted = performance.now();
  const ready = await waitUntilProcessed(client, mediaId, input);
  const processingSeconds = (performance.now() - waitStarted) / 1000;
  const altSet = await client.request(FileUpdateDocument, { files: [{ id: mediaId, alt: input.alt }] });
  assertNoUserErrors("fileUpdate", altSet.fileUpdate?.userErrors);
  const image = "image" in ready ? ready.image : null;
  if (!image)
    throw new AdminApiError(`Media ${mediaId} is READY without an image.`, {
      kind: "graphql",
      operation: "MediaStatus",
      attempts: 1,
    });
  return {
    mediaId,
    url: image.url,
    width: image.width ?? null,
    height: image.height ?? null,
    alt: altSet.fileUpdate?.files?.[0]?.alt ?? null,
    processingSeconds,
  };
}
