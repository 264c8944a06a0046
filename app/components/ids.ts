// Shopify ids in app URLs: /app/products/123 ↔ gid://shopify/Product/123.

export function productGid(numericId: string): string | null {
  return /^[1-9][0-9]{0,19}$/.test(numericId) ? `gid://shopify/Product/${numericId}` : null;
}

export function numericId(gid: string): string {
  return gid.slice(gid.lastIndexOf("/") + 1);
}

export function studioPath(productGidOrId: string): string {
  return `/app/products/${numericId(productGidOrId)}`;
}
