// A product's media after publishing: take an image off the product, put it back, make it the
// featured (first) image. Removing is fileUpdate's referencesToRemove, the replacement Shopify's
// schema names for the deprecated productDeleteMedia: the file stays in the store's Files, so
// putting it back needs no new upload.
import type { AdminClient } from "./client";
import { AdminApiError, assertNoUserErrors } from "./errors";
import { FileUpdateDocument, JobStatusDocument, ProductReorderMediaDocument } from "./generated";

/** What became of a reference change: done, or the file no longer exists in the store. */
export type ReferenceOutcome = "done" | "file-gone";

async function changeReference(
  client: AdminClient,
  mediaId: string,
  productId: string,
  change: "referencesToAdd" | "referencesToRemove",
): Promise<ReferenceOutcome> {
  const result = await client.request(FileUpdateDocument, { files: [{ id: mediaId, [change]: [productId] }] });
  const errors = result.fileUpdate?.userErrors ?? [];
  if (errors.some((e) => e.code === "FILE_DOES_NOT_EXIST")) return "file-gone";
  assertNoUserErrors("fileUpdate", errors);
  return "done";
}

/** Takes a media item off a product (idempotent: an item already off it stays off). */
export function detachProductMedia(client: AdminClient, mediaId: string, productId: string) {
  return changeReference(client, mediaId, productId, "referencesToRemove");
}

/** Puts a file back on a product (idempotent). */
export function attachProductMedia(client: AdminClient, mediaId: string, productId: string) {
  return changeReference(client, mediaId, productId, "referencesToAdd");
}

export interface FeatureOptions {
  /** The first wait between job polls (default 250 ms); each wait doubles, up to 2 s. */
  pollIntervalMs?: number;
  /** How long to wait for Shopify's reorder job (default 30 s). */
  timeoutMs?: number;
}

/**
 * Makes a media item the product's first, i.e. featured, media: productReorderMedia, then the Job
 * it answers with is polled until done, as Shopify documents for this asynchronous mutation.
 * Returns "not-on-product" when Shopify says the media is not (or no longer) on the product, and
 * "pending" when the job is still running at the timeout (it finishes on Shopify's side anyway).
 */
export async function makeFeaturedMedia(
  client: AdminClient,
  productId: string,
  mediaId: string,
  options: FeatureOptions = {},
): Promise<"done" | "pending" | "not-on-product"> {
  const result = await client.request(ProductReorderMediaDocument, {
    id: productId,
    moves: [{ id: mediaId, newPosition: "0" }],
  });
  const errors = result.productReorderMedia?.mediaUserErrors ?? [];
  if (errors.some((e) => e.code === "MEDIA_DOES_NOT_EXIST_ON_PRODUCT" || e.code === "MEDIA_DOES_NOT_EXIST"))
    return "not-on-product";
  assertNoUserErrors("productReorderMedia", errors);
  let job = result.productReorderMedia?.job;
  if (!job)
    throw new AdminApiError("productReorderMedia returned no job.", {
      kind: "graphql",
      operation: "ProductReorderMedia",
      attempts: 1,
    });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let waitMs = options.pollIntervalMs ?? 250;
  while (!job.done) {
    if (Date.now() > deadline) return "pending";
    await new Promise((r) => setTimeout(r, waitMs));
    waitMs = Math.min(2 * waitMs, 2_000);
    job = (await client.request(JobStatusDocument, { id: job.id })).job ?? { id: job.id, done: true };
  }
  return "done";
}
