import { describe, expect, it } from "vitest";
import { ConfigError, defaultSqliteUrl, loadConfig } from "./config";

describe("loadConfig", () => {
  it("runs on the embedded defaults in development", () => {
    const cfg = loadConfig({});
    expect(cfg.production).toBe(false);
    expect(cfg.databaseUrl).toBe(defaultSqliteUrl());
    expect(cfg.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(cfg.modelProfile).toBe("tiny");
    expect(cfg.shopify.scopes).toEqual(["read_products", "write_products", "write_files"]);
    expect(cfg.workerQueues).toEqual(["ingest", "gpu", "post", "publish"]);
  });

  it("requires the Shopify credentials in production", () => {
    expect(() => loadConfig({ NODE_ENV: "production", SHOPIFY_API_KEY: "k", SHOPIFY_APP_URL: "https://a" })).toThrow(
      ConfigError,
    );
    const cfg = loadConfig({
      NODE_ENV: "production",
      SHOPIFY_API_KEY: "k",
      SHOPIFY_API_SECRET: "s",
      SHOPIFY_APP_URL: "https://a",
    });
    expect(cfg.shopify).toMatchObject({ apiKey: "k", apiSecret: "s", appUrl: "https://a" });
  });

  it("refuses the public development credentials when the app is reachable from elsewhere", () => {
    expect(() => loadConfig({ SHOPIFY_APP_URL: "https://scenebooth.example.com" })).toThrow(
      /SHOPIFY_APP_URL is https:\/\/scenebooth.example.com, not a local address, but SHOPIFY_API_KEY and SHOPIFY_API_SECRET are not set/,
    );
    expect(() => loadConfig({ SHOPIFY_APP_URL: "https://x.trycloudflare.com", SHOPIFY_API_KEY: "k" })).toThrow(
      /SHOPIFY_API_SECRET is not set/,
    );
    expect(
      loadConfig({ SHOPIFY_APP_URL: "https://x.trycloudflare.com", SHOPIFY_API_KEY: "k", SHOPIFY_API_SECRET: "s" })
        .shopify.apiSecret,
    ).toBe("s");
    for (const local of [
      "http://localhost:3000",
      "http://127.0.0.1:8080",
      "http://[::1]:3000",
      "http://app.localhost",
    ]) {
      expect(loadConfig({ SHOPIFY_APP_URL: local }).shopify.appUrl).toBe(local);
    }
  });

  it("binds the worker's health server to loopback unless told otherwise", () => {
    expect(loadConfig({}).workerHealthHost).toBe("127.0.0.1");
    expect(loadConfig({ WORKER_HEALTH_HOST: "0.0.0.0" }).workerHealthHost).toBe("0.0.0.0");
  });

  it("rejects malformed values with the variable's name", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL must start with file:/);
    expect(() => loadConfig({ WORKER_QUEUES: "gpu,cpu" })).toThrow(/WORKER_QUEUES must list some of/);
    expect(() => loadConfig({ WORKER_HEALTH_PORT: "http" })).toThrow(/WORKER_HEALTH_PORT must be a TCP port/);
    expect(() => loadConfig({ WORKER_SHUTDOWN_GRACE_MS: "-1" })).toThrow(/WORKER_SHUTDOWN_GRACE_MS/);
    expect(loadConfig({ WORKER_QUEUES: "gpu, gpu" }).workerQueues).toEqual(["gpu"]);
    expect(() => loadConfig({ GPU_SLOTS_PER_SHOP: "0" })).toThrow(
      /GPU_SLOTS_PER_SHOP must be a whole number of 1 or more/,
    );
    expect(loadConfig({}).gpuSlotsPerShop).toBe(2);
    expect(loadConfig({ GPU_SLOTS_PER_SHOP: "1" }).gpuSlotsPerShop).toBe(1);
    expect(loadConfig({}).dailyImageLimit).toBe(240);
    expect(loadConfig({ SCENEBOOTH_DAILY_IMAGE_LIMIT: "50" }).dailyImageLimit).toBe(50);
    expect(() => loadConfig({ SCENEBOOTH_DAILY_IMAGE_LIMIT: "none" })).toThrow(/SCENEBOOTH_DAILY_IMAGE_LIMIT must be/);
  });

  it("stores blobs in a local folder unless STORAGE_DRIVER=s3 names a bucket", () => {
    expect(loadConfig({})).toMatchObject({ storageDriver: "local", s3: null });
    const cfg = loadConfig({ STORAGE_DRIVER: "s3", S3_BUCKET: "scenebooth-blobs" });
    expect(cfg.storageDriver).toBe("s3");
    expect(cfg.s3).toEqual({ bucket: "scenebooth-blobs", prefix: "", region: "us-east-1", forcePathStyle: false });
    expect(
      loadConfig({
        STORAGE_DRIVER: "s3",
        S3_BUCKET: "b1.example",
        S3_PREFIX: "/scenebooth/prod/",
        S3_REGION: "eu-west-1",
        S3_ENDPOINT: "http://minio:9000",
      }).s3,
    ).toEqual({
      bucket: "b1.example",
      prefix: "scenebooth/prod/",
      region: "eu-west-1",
      endpoint: "http://minio:9000",
      forcePathStyle: true,
    });
    expect(
      loadConfig({
        STORAGE_DRIVER: "s3",
        S3_BUCKET: "b1x",
        S3_ENDPOINT: "https://r2.example",
        S3_FORCE_PATH_STYLE: "false",
      }).s3?.forcePathStyle,
    ).toBe(false);
  });

  it("rejects storage settings that do not fit together, in one line naming the variable", () => {
    const s3 = { STORAGE_DRIVER: "s3" };
    expect(() => loadConfig({ STORAGE_DRIVER: "gcs" })).toThrow(
      /^STORAGE_DRIVER must be one of local, s3, got "gcs"\.$/,
    );
    expect(() => loadConfig(s3)).toThrow(/^S3_BUCKET is not set; it is required when STORAGE_DRIVER=s3\.$/);
    expect(() => loadConfig({ ...s3, S3_BUCKET: "bucket/prod" })).toThrow(
      /S3_BUCKET must be a bucket name .*put a path inside the bucket in S3_PREFIX/,
    );
    expect(() => loadConfig({ ...s3, S3_BUCKET: "My_Bucket" })).toThrow(/S3_BUCKET must be a bucket name/);
    expect(() => loadConfig({ ...s3, S3_BUCKET: "b1x", S3_ENDPOINT: "minio:9000" })).toThrow(
      /S3_ENDPOINT must be an http:\/\/ or https:\/\/ URL/,
    );
    expect(() => loadConfig({ ...s3, S3_BUCKET: "b1x", S3_PREFIX: "a//b" })).toThrow(/S3_PREFIX must be a path/);
    expect(() => loadConfig({ ...s3, S3_BUCKET: "b1x", S3_PREFIX: "../b" })).toThrow(/S3_PREFIX must be a path/);
    expect(() => loadConfig({ ...s3, S3_BUCKET: "b1x", S3_FORCE_PATH_STYLE: "maybe" })).toThrow(
      /S3_FORCE_PATH_STYLE must be true or false/,
    );
    // A bucket configured without the driver would silently keep blobs on the local disk.
    expect(() => loadConfig({ S3_BUCKET: "b1x", S3_ENDPOINT: "http://minio:9000" })).toThrow(
      /^S3_BUCKET, S3_ENDPOINT are set but STORAGE_DRIVER is "local": set STORAGE_DRIVER=s3/,
    );
    expect(() => loadConfig(s3)).toThrow(ConfigError);
  });
});
