import { describe, expect, it } from "vitest";
import { redactQueryCredentials, redactUrl } from "./redact-url.mjs";

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

describe("redactUrl", () => {
  it("hides a userinfo password and credential query values; keeps user, host, port, path and the rest", () => {
    expect(redactUrl("postgresql://app:hunter2@db.internal:5432/scenebooth?sslmode=require")).toBe(
      "postgresql://app:***@db.internal:5432/scenebooth?sslmode=require",
    );
    expect(redactUrl("redis://:s3cret@cache:6379/0")).toBe("redis://:***@cache:6379/0");
    expect(redactUrl("rediss://default:p%40ss@cache.example.com:6380")).toBe(
      "rediss://default:***@cache.example.com:6380",
    );
    expect(redactUrl("postgres://db/app?user=u&password=hunter2&sslmode=require")).toBe(
      "postgres://db/app?user=u&password=***&sslmode=require",
    );
    expect(redactUrl("https://s3.local:9000/b/k?token=abc&X-Amz-Signature=0f9e&X-Amz-Security-Token=t&region=x")).toBe(
      "https://s3.local:9000/b/k?token=***&X-Amz-Signature=***&X-Amz-Security-Token=***&region=x",
    );
    expect(redactUrl("redis://u:pw@h:1/?auth_token=t&db=2")).toBe("redis://u:***@h:1/?auth_token=***&db=2");
  });

  it("leaves URLs without credentials, a user without a password, and file: URLs as they were", () => {
    expect(redactUrl("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
    expect(redactUrl("postgres://app@db/scenebooth")).toBe("postgres://app@db/scenebooth");
    expect(redactUrl("file:./data/dev.db")).toBe("file:./data/dev.db");
  });
});
