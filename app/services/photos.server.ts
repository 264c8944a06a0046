import { MIN_PHOTOS } from "../../lib/products";

export { isProductGid, MIN_PHOTOS } from "../../lib/products";

/** A bulk or automatic request needs one photo (exact-product images); tuning needs MIN_PHOTOS. */
export const NEEDS_PHOTOS_MESSAGE = `Needs photos: add a photo of the product (one or two give exact-product images; ${MIN_PHOTOS} or more, 5–7 best, let SceneBooth learn it), then try again.`;

/** The numeric id in a product GID (for admin and app URLs). */
export function productLegacyId(gid: string): string {
  return gid.slice(gid.lastIndexOf("/") + 1);
}
