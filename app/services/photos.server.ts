/** A product needs at least this many photos to be taught to the model (DESIGN: 5–7 recommended). */
export const MIN_PHOTOS = 3;

export const NEEDS_PHOTOS_MESSAGE = `Needs photos: add at least ${MIN_PHOTOS} photos of the product (5–7 work best), then try again.`;

const PRODUCT_GID = /^gid:\/\/shopify\/Product\/\d+$/;

export function isProductGid(value: unknown): value is string {
  return typeof value === "string" && PRODUCT_GID.test(value);
}

/** The numeric id in a product GID (for admin and app URLs). */
export function productLegacyId(gid: string): string {
  return gid.slice(gid.lastIndexOf("/") + 1);
}
