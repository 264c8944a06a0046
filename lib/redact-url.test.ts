import { describe, expect, it } from "vitest";
import { redactQueryCredentials } from "./redact-url";

describe("redactQueryCredentials", () => {
  it("hides session tokens, blob signatures, OAuth codes and passwords; keeps everything else as it was", () => {
    expect(redactQueryCredentials("/app?embedded=1&shop=a.myshopify.com&host=YWRt&id_token=eyJhbGciOi.x.y")).toBe(
      "/app?embedded=1&shop=a.myshopify.com&host=YWRt&id_token=***",
    );
    expect(redactQueryCredentials("/blobs/shops/a/c.png?expires=1700000000&signature=0f9e8d")).toBe(
      "/blobs/shops/a/c.png?expires=1700000000&signature=***",
    );
    expect(redactQueryCredentials("/auth/callback?code=abc&hmac=def&shop=a.myshopify.com&state=xyz&timestamp=1")).toBe(
      "/auth/callback?code=***&hmac=***&shop=a.myshopify.com&state=***&timestamp=1",
    );
    expect(redactQueryCredentials("postgresql://db/app?user=u&password=hunter2&sslmode=require")).toBe(
      "postgresql://db/app?user=u&password=***&sslmode=require",
    );
    expect(redactQueryCredentials("/x?DB_PASSWORD=a&refresh_token=b&Client%5Fsecret=c&q=a%20b&flag")).toBe(
      "/x?DB_PASSWORD=***&refresh_token=***&Client%5Fsecret=***&q=a%20b&flag",
    );
  });

  it("leaves URLs without a query, and fragments, alone", () => {
    expect(redactQueryCredentials("/app/products/1")).toBe("/app/products/1");
    expect(redactQueryCredentials("/a?token=t#section")).toBe("/a?token=***#section");
  });
});
