import { MIN_PHOTOS } from "../../lib/products";

export { isProductGid, MIN_PHOTOS } from "../../lib/products";

export const NEEDS_PHOTOS_MESSAGE = `Needs photos: add at least ${MIN_PHOTOS} photos of the product (5–7 work best), then try again.`;

/** The numeric id in a product GID (for admin and app URLs). */
export function productLegacyId(gid: string): string {
  return gid.slice(gid.lastIndexOf("/") + 1);
}
