import { config } from "../../lib/config";
import {
  BlobNotFoundError,
  InvalidBlobKeyError,
  blobStore,
  parseBlobKey,
  verifyBlobSignature,
} from "../../lib/storage";

/**
 * Serves a blob named by a signed URL (made by BlobStore.signedUrl). The signature covers the full
 * key, shop included, so a URL for one shop's blob can never be turned into another shop's.
 */
export async function serveSignedBlob(rawKey: string, searchParams: URLSearchParams): Promise<Response> {
  let key;
  try {
    key = parseBlobKey(rawKey).key;
  } catch (error) {
    if (error instanceof InvalidBlobKeyError) return new Response("Not found", { status: 404 });
    throw error;
  }
  const check = verifyBlobSignature(
    config().storageSigningKey,
    key,
    Number(searchParams.get("expires")),
    searchParams.get("signature") ?? "",
  );
  if (check !== "valid") return new Response(check === "expired" ? "Link expired" : "Forbidden", { status: 403 });
  try {
    const blob = await blobStore().get(key);
    return new Response(new Uint8Array(blob.data), {
      headers: { "Content-Type": blob.contentType, "Cache-Control": "private, max-age=300" },
    });
  } catch (error) {
    if (error instanceof BlobNotFoundError) return new Response("Not found", { status: 404 });
    throw error;
  }
}
