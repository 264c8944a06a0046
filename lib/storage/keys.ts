/**
 * Blob keys. Every shop's key starts with `shops/<shop domain>/`, so deleting a shop's data is one prefix
 * delete and a signed URL for one shop's key can never name another shop's blob. The one other family,
 * `global/`, holds what belongs to no shop (the fleet's class images and augmentation backgrounds): no shop prefix reaches it, and
 * `parseBlobKey` (keys from URLs, jobs and rows) refuses it, so it is never signed, served or purged.
 */
import { isShopDomain } from "../shop-domain";

export type BlobKey = string & { readonly __brand: "BlobKey" };

const KEY_PART = /^[A-Za-z0-9][A-Za-z0-9._=-]*$/;

export class InvalidBlobKeyError extends Error {
  override name = "InvalidBlobKeyError";
}

/** The prefix holding everything stored for one shop. */
export function shopPrefix(shop: string): string {
  if (!isShopDomain(shop))
    throw new InvalidBlobKeyError(`"${shop}" is not a shop domain (expected <name>.myshopify.com)`);
  return `shops/${shop}/`;
}

function checkParts(parts: string[]): string {
  if (parts.length === 0) throw new InvalidBlobKeyError("a blob key needs at least one part after its prefix");
  for (const part of parts) {
    if (!KEY_PART.test(part) || part.includes("..")) {
      throw new InvalidBlobKeyError(`invalid blob key part "${part}"`);
    }
  }
  return parts.join("/");
}

/** Builds a key for a shop from path parts such as ("subjects", id, "photo-1.png"). */
export function blobKey(shop: string, ...parts: string[]): BlobKey {
  return `${shopPrefix(shop)}${checkParts(parts)}` as BlobKey;
}

const GLOBAL_PREFIX = "global/";
const CLASS_IMAGES = "class-images";

/** The prefix of a class-image set, named by the tuner (`<base>/<revision>/<class>/<settings>`). */
export function classImagesPrefix(set: string): string {
  return `${GLOBAL_PREFIX}${CLASS_IMAGES}/${checkParts(set.split("/"))}/`;
}

/** One image of a class-image set: shared by every shop, owned by none. */
export function classImageKey(set: string, file: string): BlobKey {
  return `${classImagesPrefix(set)}${checkParts([file])}` as BlobKey;
}

const BACKGROUNDS = "backgrounds";

/** The prefix of a set of background augmentation's backgrounds (worker/stages/augment.ts): `<profile>/<settings>`. */
export function backgroundImagesPrefix(set: string): string {
  return `${GLOBAL_PREFIX}${BACKGROUNDS}/${checkParts(set.split("/"))}/`;
}

/** One background of a set: shared by every shop, owned by none. */
export function backgroundImageKey(set: string, file: string): BlobKey {
  return `${backgroundImagesPrefix(set)}${checkParts([file])}` as BlobKey;
}

/** A key as the stores accept it: a shop's, or one of the global family (for the stores only). */
export function storableBlobKey(raw: string): BlobKey {
  if (raw.startsWith(GLOBAL_PREFIX))
    return `${GLOBAL_PREFIX}${checkParts(raw.slice(GLOBAL_PREFIX.length).split("/"))}` as BlobKey;
  return parseBlobKey(raw).key;
}

/** Validates a key received from outside (a URL, a job) and returns it typed, with its shop. */
export function parseBlobKey(raw: string): { key: BlobKey; shop: string } {
  const match = /^shops\/([^/]+)\/(.+)$/.exec(raw);
  if (!match) throw new InvalidBlobKeyError(`"${raw}" is not a blob key`);
  const [, shop, rest] = match as unknown as [string, string, string];
  return { key: blobKey(shop, ...rest.split("/")), shop };
}

/** True when the key belongs to the shop. */
export function keyBelongsTo(key: BlobKey, shop: string): boolean {
  return key.startsWith(shopPrefix(shop));
}

/** A key read back from the database for `shop`'s row, checked to be present and a valid key of that shop. */
export function storedBlobKey(raw: string | null | undefined, shop: string): BlobKey {
  if (!raw) throw new InvalidBlobKeyError(`no blob key stored (expected one of ${shop})`);
  const { key, shop: owner } = parseBlobKey(raw);
  if (owner !== shop) throw new InvalidBlobKeyError(`blob key "${raw}" belongs to another shop than ${shop}`);
  return key;
}
