// A shop's permanent domain, `<handle>.myshopify.com`: the key every row, job, blob and API call is scoped by.

/** A string checked to be a `<handle>.myshopify.com` domain (lower case). */
export type ShopDomain = string & { readonly __brand: "ShopDomain" };

const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

export class InvalidShopDomainError extends Error {
  override name = "InvalidShopDomainError";
  constructor(readonly value: unknown) {
    super(`Not a shop domain: "${String(value)}" (expected <name>.myshopify.com).`);
  }
}

export function isShopDomain(value: unknown): value is ShopDomain {
  return typeof value === "string" && SHOP_DOMAIN.test(value);
}

/** Returns `value` typed as a shop domain, or throws InvalidShopDomainError. */
export function parseShopDomain(value: unknown): ShopDomain {
  if (!isShopDomain(value)) throw new InvalidShopDomainError(value);
  return value;
}

/** The shop's handle, as in admin.shopify.com/store/<handle>: "my-shop" for "my-shop.myshopify.com". */
export function shopHandle(shop: string): string {
  return shop.replace(/\.myshopify\.com$/, "");
}
