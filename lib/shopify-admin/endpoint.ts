import { parseShopDomain } from "../shop-domain";
import { SHOPIFY_API_VERSION } from "./version";

type Env = Record<string, string | undefined>;

/** The local store (dev/test stand-in) the app talks to instead of Shopify, when SHOPIFY_LOCAL_STORE_URL is set. */
export function localStoreUrl(env: Env = process.env): string | null {
  const raw = env.SHOPIFY_LOCAL_STORE_URL?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`SHOPIFY_LOCAL_STORE_URL must be an http(s) URL, got "${raw}".`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`SHOPIFY_LOCAL_STORE_URL must be an http(s) URL, got "${raw}".`);
  return url.origin;
}

/** `${origin}/admin/api/${version}/graphql.json`, origin being the local store when configured, else https://{shop}. */
export function adminGraphqlEndpoint(shop: string, env: Env = process.env): string {
  parseShopDomain(shop);
  return `${localStoreUrl(env) ?? `https://${shop}`}/admin/api/${SHOPIFY_API_VERSION}/graphql.json`;
}

/** Headers that tell the local store which shop a request is for (it cannot read it from the host name). */
export function shopRoutingHeaders(shop: string, env: Env = process.env): Record<string, string> {
  return localStoreUrl(env) ? { "X-Forwarded-Host": shop } : {};
}
