/** A product needs at least this many photos to be taught to the model (DESIGN: 5–7 recommended). */
export const MIN_PHOTOS = 3;

const PRODUCT_GID = /^gid:\/\/shopify\/Product\/\d+$/;

export function isProductGid(value: unknown): value is string {
  return typeof value === "string" && PRODUCT_GID.test(value);
}

/** A product whose media are only videos or 3D models: SceneBooth learns from photos alone. */
export const NO_PHOTOS_ONLY_OTHER_MEDIA =
  "Videos and 3D models can't be used; add photos of the product (5–7 work best, at least 3), then start again.";
