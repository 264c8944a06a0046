import { describe, expect, it } from "vitest";
import { blobKey, InvalidBlobKeyError, storedBlobKey } from "./keys";

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
