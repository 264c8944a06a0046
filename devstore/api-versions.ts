// Which Admin API version the local store answers a request with, decided the way Shopify does: a
// stable version is supported for about 12 months, so four quarterly versions are supported at a
// time; a request for a version outside that window is served with the oldest supported one, and
// every answer's X-Shopify-API-Version header names the version that served it. `unstable` is served
// as itself. The release candidate (the quarter after the newest stable) is not served: no schema for
// it ships with @shopify/dev-mcp, so a request for it falls back like any other unsupported version.
import { SHOPIFY_API_VERSION } from "../lib/shopify-admin/version";

export const UNSTABLE = "unstable";
/** What Shopify's X-Shopify-API-Deprecated-Reason header points at. */
export const DEPRECATION_REASON = "https://shopify.dev/api/usage/versioning#deprecation-practices";

const STABLE = /^(\d{4})-(01|04|07|10)$/;
/** Anything shaped like a version handle; other path segments are not versions at all (404). */
const VERSION_LIKE = /^\d{4}-\d{2}$/;

export function isStableVersion(version: string): boolean {
  return STABLE.test(version);
}

/** The `count` quarterly versions ending at `newest` (default: the app's version), oldest first. */
export function quarterlyWindow(newest: string = SHOPIFY_API_VERSION, count = 4): string[] {
  const m = STABLE.exec(newest);
  if (!m) throw new Error(`"${newest}" is not a stable Admin API version (YYYY-01, -04, -07 or -10).`);
  const last = Number(m[1]) * 4 + (Number(m[2]) - 1) / 3;
  return Array.from({ length: count }, (_, i) => {
    const q = last - (count - 1) + i;
    return `${Math.floor(q / 4)}-${String((q % 4) * 3 + 1).padStart(2, "0")}`;
  });
}

export interface ServedVersion {
  requested: string;
  served: string;
  fellBack: boolean;
}

/** The version that answers a request for `requested`; null when the path segment is no version at all. */
export function serveVersion(requested: string, supported: readonly string[]): ServedVersion | null {
  if (requested === UNSTABLE || supported.includes(requested)) return { requested, served: requested, fellBack: false };
  if (!VERSION_LIKE.test(requested)) return null;
  const oldest = [...supported].sort()[0];
  if (!oldest) throw new Error("The local store supports no Admin API version.");
  return { requested, served: oldest, fellBack: true };
}
