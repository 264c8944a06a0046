import { describe, expect, it } from "vitest";
import { assertJobData, InvalidJobError, MAX_CHECKED_PHOTOS } from "./jobs";

const SHOP = "jobs-a.myshopify.com";
const product = {
  id: "gid://shopify/Product/1",
  title: "Teapot",
  productType: "teapot",
  status: "active",
  readyPhotos: 3,
};

describe("shop-event job payloads", () => {
  it("accepts a product event and an uninstall cleanup", () => {
    expect(() =>
      assertJobData("publish", "product-event", { shop: SHOP, topic: "products/create", product }),
    ).not.toThrow();
    expect(() =>
      assertJobData("publish", "shop-cleanup", { shop: SHOP, triggeredAt: "2026-12-06T12:00:00.000Z" }),
    ).not.toThrow();
  });

  it("refuses a product event without its topic or product, and a cleanup without a trigger time", () => {
    expect(() => assertJobData("publish", "product-event", { shop: SHOP, topic: "products/delete", product })).toThrow(
      InvalidJobError,
    );
    expect(() => assertJobData("publish", "product-event", { shop: SHOP, topic: "products/create" })).toThrow(
      InvalidJobError,
    );
    expect(() => assertJobData("publish", "shop-cleanup", { shop: SHOP, triggeredAt: "yesterday" })).toThrow(
      InvalidJobError,
    );
    expect(() =>
      assertJobData("publish", "shop-cleanup", { shop: "not a shop", triggeredAt: "2026-12-06T12:00:00.000Z" }),
    ).toThrow(InvalidJobError);
  });
});

describe("photo-check job payloads", () => {
  const photo = { mediaId: "gid://shopify/MediaImage/1", label: "#1", url: "https://cdn.shopify.com/a.png" };

  it("accepts one to 50 photos, each with a media id, a label and a URL", () => {
    expect(() => assertJobData("ingest", "photo-check", { shop: SHOP, photos: [photo] })).not.toThrow();
  });

  it("refuses no photos, too many, or a photo without its URL or media id", () => {
    for (const photos of [
      [],
      undefined,
      Array.from({ length: MAX_CHECKED_PHOTOS + 1 }, () => photo),
      [{ ...photo, url: "not a url" }],
      [{ ...photo, mediaId: "" }],
      [null],
    ])
      expect(() => assertJobData("ingest", "photo-check", { shop: SHOP, photos }), JSON.stringify(photos)).toThrow(
        /no photos \(1 to 50/,
      );
  });
});
