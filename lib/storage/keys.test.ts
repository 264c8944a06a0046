import { describe, expect, it } from "vitest";
import {
  blobKey,
  classImageKey,
  classImagesPrefix,
  InvalidBlobKeyError,
  parseBlobKey,
  storableBlobKey,
  storedBlobKey,
} from "./keys";

const SHOP = "shop-a.myshopify.com";

describe("storedBlobKey", () => {
  it("returns a key read back from a row of the same shop, typed", () => {
    const key = blobKey(SHOP, "subjects", "s1", "originals", "1.png");
    expect(storedBlobKey(String(key), SHOP)).toBe(key);
  });

  it("refuses a missing, malformed or other shop's key", () => {
    expect(() => storedBlobKey(null, SHOP)).toThrow(InvalidBlobKeyError);
    expect(() => storedBlobKey("", SHOP)).toThrow(InvalidBlobKeyError);
    expect(() => storedBlobKey("/etc/passwd", SHOP)).toThrow(InvalidBlobKeyError);
    expect(() => storedBlobKey(`shops/${SHOP}/../shop-b.myshopify.com/x`, SHOP)).toThrow(InvalidBlobKeyError);
    expect(() => storedBlobKey("shops/shop-b.myshopify.com/subjects/x.png", SHOP)).toThrow(/another shop/);
  });
});

describe("class-image keys", () => {
  it("are global: outside every shop's prefix, refused where a key comes from outside, accepted by the stores", () => {
    const key = classImageKey("tiny/v1/teddy-bear/64px-dpmpp25-cfg7.5-seed0", "0003.png");
    expect(key).toBe("global/class-images/tiny/v1/teddy-bear/64px-dpmpp25-cfg7.5-seed0/0003.png");
    expect(key.startsWith("shops/")).toBe(false);
    expect(() => parseBlobKey(key)).toThrow(InvalidBlobKeyError);
    expect(storableBlobKey(key)).toBe(key);
    expect(() => storableBlobKey("global/../shops/shop-a.myshopify.com/x")).toThrow(InvalidBlobKeyError);
    expect(() => classImagesPrefix("tiny/../../shops")).toThrow(InvalidBlobKeyError);
  });
});
