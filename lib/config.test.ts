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
    expect(() => loadConfig({ NODE_ENV: "production", SHOPIFY_API_KEY: "k", SHOPIFY_APP_URL: "https://a" })).toThrow(ConfigError);
    const cfg = loadConfig({ NODE_ENV: "production", SHOPIFY_API_KEY: "k", SHOPIFY_API_SECRET: "s", SHOPIFY_APP_URL: "https://a" });
    expect(cfg.shopify).toMatchObject({ apiKey: "k", apiSecret: "s", appUrl: "https://a" });
  });

  it("rejects malformed values with the variable's name", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL must start with file:/);
    expect(() => loadConfig({ WORKER_QUEUES: "gpu,cpu" })).toThrow(/WORKER_QUEUES must list some of/);
    expect(() => loadConfig({ WORKER_HEALTH_PORT: "http" })).toThrow(/WORKER_HEALTH_PORT must be a TCP port/);
    expect(() => loadConfig({ WORKER_SHUTDOWN_GRACE_MS: "-1" })).toThrow(/WORKER_SHUTDOWN_GRACE_MS/);
    expect(loadConfig({ WORKER_QUEUES: "gpu, gpu" }).workerQueues).toEqual(["gpu"]);
  });
});
