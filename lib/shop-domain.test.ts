import { describe, expect, it } from "vitest";
import { InvalidShopDomainError, isShopDomain, parseShopDomain, shopHandle } from "./shop-domain";

describe("shop domains", () => {
  it("accepts <handle>.myshopify.com and nothing else", () => {
    for (const ok of ["scenebooth-demo.myshopify.com", "a.myshopify.com", "shop2-x.myshopify.com"])
      expect(isShopDomain(ok), ok).toBe(true);
    const bad = [
      "",
      "evil.com",
      "-x.myshopify.com",
      "Shop.myshopify.com",
      "a.myshopify.com.evil.com",
      "a/b.myshopify.com",
      "a.myshopify.com ",
      null,
      42,
    ];
    for (const value of bad) expect(isShopDomain(value), String(value)).toBe(false);
  });

  it("parseShopDomain returns the domain or throws a clear error", () => {
    expect(parseShopDomain("a.myshopify.com")).toBe("a.myshopify.com");
    expect(() => parseShopDomain("evil.com")).toThrow(InvalidShopDomainError);
    expect(() => parseShopDomain("evil.com")).toThrow('Not a shop domain: "evil.com" (expected <name>.myshopify.com).');
  });

  it("shopHandle is the admin URL's store name", () => {
    expect(shopHandle("scenebooth-demo.myshopify.com")).toBe("scenebooth-demo");
  });
});
