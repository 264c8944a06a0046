import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { localStoreUrl } from "./endpoint";

type Env = Record<string, string | undefined>;

/** Where Shopify serves product media from. */
const SHOPIFY_IMAGE_HOSTS = ["cdn.shopify.com"];

// Loopback, private, link-local (cloud metadata), carrier-grade NAT, unspecified, and their IPv6 kin.
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 127],
  ["fc00::", 7],
  ["fe80::", 10],
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv6");
}

export function isPrivateAddress(address: string): boolean {
  // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, "ipv4");
  const family = isIP(address);
  if (family === 0) return false;
  return PRIVATE.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** Which URLs the app and the worker may download product photos from. */
export interface ImageSourcePolicy {
  /** Throws with the reason when `url` may not be fetched (checked again after every redirect). */
  check(url: URL): Promise<void>;
}

export class ImageSourceError extends Error {
  override name = "ImageSourceError";
}

/**
 * Shopify's CDN over https (plus SCENEBOOTH_IMAGE_HOSTS), and nothing that resolves to a private
 * address; with the local store stand-in, its own origin too (it serves the photos over http).
 */
export function imageSourcePolicy(
  env: Env = process.env,
  resolve: (host: string) => Promise<{ address: string }[]> = (host) => lookup(host, { all: true }),
): ImageSourcePolicy {
  const extra = (env.SCENEBOOTH_IMAGE_HOSTS ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const hosts = [...SHOPIFY_IMAGE_HOSTS, ...extra];
  const localStore = localStoreUrl(env);
  return {
    async check(url) {
      if (localStore && url.origin === localStore) return;
      if (url.protocol !== "https:") throw new ImageSourceError(`${url.origin} is not https.`);
      const host = url.hostname.toLowerCase();
      if (!hosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`))) {
        throw new ImageSourceError(
          `${host} is not a Shopify image host (${hosts.join(", ")}; more with SCENEBOOTH_IMAGE_HOSTS).`,
        );
      }
      const addresses = isIP(host) ? [{ address: host }] : await resolve(host);
      const blocked = addresses.find(({ address }) => isPrivateAddress(address));
      if (blocked) throw new ImageSourceError(`${host} resolves to a private address (${blocked.address}).`);
    },
  };
}
