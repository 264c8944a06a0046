export { SHOPIFY_API_VERSION } from "./version";
export { adminGraphqlEndpoint, localStoreUrl, shopRoutingHeaders } from "./endpoint";
export { AdminClient, IDEMPOTENT_MUTATIONS, type AdminClientOptions, type AdminResult } from "./client";
export { AdminApiError, assertNoUserErrors, type AdminApiErrorKind } from "./errors";
export { downloadImage, ImageDownloadError, type DownloadedImage, type DownloadOptions } from "./download";
export {
  findProductMedia,
  finishProductImage,
  mediaIsFile,
  publishProductImage,
  type PublishImageInput,
  type PublishedImage,
} from "./publish";
export {
  attachProductMedia,
  detachProductMedia,
  makeFeaturedMedia,
  type FeatureOptions,
  type ReferenceOutcome,
} from "./product-media";
export { sniffImageType } from "./image-type";
export * from "./generated";
export {
  BULK_FALLBACK_POLL_MS,
  BULK_PRODUCTS_QUERY,
  BULK_RUNNING,
  runBulkQuery,
  waitForBulkOperation,
  type BulkOperation,
  type BulkWaitOptions,
} from "./bulk";
