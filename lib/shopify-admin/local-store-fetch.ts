// Dev/test-only transport for @shopify/shopify-api (and so @shopify/shopify-app-remix): with
// SHOPIFY_LOCAL_STORE_URL set, requests for https://<shop>.myshopify.com/... go to the local store
// instead, same path, query, method, headers and body, plus X-Forwarded-Host with the original host so
// the store knows the shop. The library's own code (token exchange, session-token checks, the Admin
// GraphQL client) runs unchanged; only the transport differs. Without the variable nothing changes.
import { abstractFetch, setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { isShopDomain } from "../shop-domain";
import { localStoreUrl } from "./endpoint";

type Fetch = typeof fetch;

/** Wraps `base` so requests for *.myshopify.com go to `storeUrl`. */
export function localStoreFetch(base: Fetch, storeUrl: string): Fetch {
  const origin = new URL(storeUrl).origin;
  return (input, init) => {
    const request = input instanceof Request ? input : null;
    const original = new URL(request ? request.url : String(input));
    if (original.protocol !== "https:" || !isShopDomain(original.hostname)) return base(input, init);
    const target = new URL(original.pathname + original.search, origin);
    const headers = new Headers(init?.headers ?? request?.headers);
    headers.set("X-Forwarded-Host", original.host);
    if (request)
      return base(
        new Request(target, {
          ...init,
          headers,
          method: request.method,
          body: request.body,
          duplex: "half",
        } as RequestInit),
      );
    return base(target, { ...init, headers });
  };
}

let original: Fetch | null = null;

/**
 * Installs the transport into @shopify/shopify-api's runtime when SHOPIFY_LOCAL_STORE_URL is set.
 * Call it after the platform adapter import (e.g. "@shopify/shopify-app-remix/adapters/node") and
 * before the first Shopify call. Returns whether it is active.
 */
export function installLocalStoreFetch(env: Record<string, string | undefined> = process.env): boolean {
  const url = localStoreUrl(env);
  if (!url) return false;
  original ??= abstractFetch as Fetch;
  setAbstractFetchFunc(localStoreFetch(original, url));
  return true;
}

/** Puts the library's own fetch back. */
export function uninstallLocalStoreFetch(): void {
  if (original) setAbstractFetchFunc(original);
  original = null;
}
