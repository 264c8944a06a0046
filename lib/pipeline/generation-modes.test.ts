import { describe, expect, it } from "vitest";
import { parseProductPayload } from "../webhooks/auto-generation";
import { PRICES_USD } from "../usage";
import { automaticModes, laneOf, modeChoiceOf, normalizeModes, upfrontPriceUsd } from "./generation-modes";

describe("generation modes", () => {
  it("normalises a request's modes, and only exact-product images alone take the fast lane, with no upfront price", () => {
    expect(normalizeModes(undefined)).toEqual(["tuned"]);
    expect(normalizeModes(["exact", "tuned", "exact"])).toEqual(["tuned", "exact"]);
    expect(() => normalizeModes(["exact", "<script>"])).toThrow(/^Unknown image mode/);
    expect([laneOf(["tuned"]), laneOf(["tuned", "exact"]), laneOf(["exact"])]).toEqual(["tuned", "tuned", "fast"]);
    expect([upfrontPriceUsd("tuned"), upfrontPriceUsd("fast")]).toEqual([PRICES_USD.tuned_product, 0]);
    expect([modeChoiceOf(undefined), modeChoiceOf(["exact"]), modeChoiceOf(["tuned", "exact"])]).toEqual([
      "tuned",
      "exact",
      "both",
    ]);
  });

  it("bulk and automatic requests: the fast lane for one or two photos, or for all when the shop chose it", () => {
    expect([0, 1, 2, 3, 7].map((n) => automaticModes(n, false))).toEqual([
      null,
      ["exact"],
      ["exact"],
      ["tuned"],
      ["tuned"],
    ]);
    expect(automaticModes(5, true)).toEqual(["exact"]);
    expect(automaticModes(0, true)).toBeNull();
  });

  it("a product webhook's body says how many photos are still processing", () => {
    const media = (status: string) => ({ media_content_type: "IMAGE", status });
    const product = parseProductPayload({
      admin_graphql_api_id: "gid://shopify/Product/1",
      media: [media("READY"), media("PROCESSING"), media("UPLOADED"), media("FAILED"), { media_content_type: "VIDEO" }],
    });
    expect([product.readyPhotos, product.pendingPhotos]).toEqual([1, 2]);
  });
});
