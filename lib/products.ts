/** A product needs at least this many photos to be taught to the model (DESIGN: 5–7 recommended). */
export const MIN_PHOTOS = 3;

const PRODUCT_GID = /^gid:\/\/shopify\/Product\/\d+$/;

export function isProductGid(value: unknown): value is string {
  return typeof value === "string" && PRODUCT_GID.test(value);
}
