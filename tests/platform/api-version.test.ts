// One Admin API version: shopify.app.toml's webhooks api_version is SHOPIFY_API_VERSION, and every
// Admin API request the running app (the Shopify library's calls and its own client) and the worker
// send asks the local store for that version.
import fs from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../lib/config";
import { SHOPIFY_API_VERSION } from "../../lib/shopify-admin/version";
import type { ProcessHandle } from "../harness/stack";
import { DEMO_SHOP, requestFor, runUntil, startFaultStack, storeProduct, type FaultStack } from "../faults/helpers";
import { extensionPost } from "./helpers";

describe("shopify.app.toml", () => {
  it("subscribes webhooks with the app's Admin API version", () => {
    const toml = parse(fs.readFileSync(path.join(projectRoot, "shopify.app.toml"), "utf8")) as {
      webhooks?: { api_version?: string };
    };
    expect(toml.webhooks?.api_version).toBe(SHOPIFY_API_VERSION);
    expect(SHOPIFY_API_VERSION).toBe("2026-10");
  });
});

describe("the running app and worker", () => {
  let stack: FaultStack;
  let worker: ProcessHandle;
  beforeAll(async () => {
    stack = await startFaultStack();
    worker = await stack.stack.startWorker();
  });
  afterAll(async () => {
    await worker?.kill("SIGKILL");
    await stack?.close();
  });
  const requested = () => stack.stack.store.control.stats().requestedApiVersions;

  it("ask the local store for the app's version only", async () => {
    // Installing the shops and approving the plan ran the app's token exchange and billing calls.
    expect(Object.keys(requested())).toEqual([SHOPIFY_API_VERSION]);
    const beforeApp = requested()[SHOPIFY_API_VERSION]!;
    const teapot = await storeProduct(stack.stack, "Teapot");
    const preview = await extensionPost(stack.stack, "/api/scenes/preview", DEMO_SHOP, { productIds: [teapot.id] });
    expect(preview.status).toBe(200);
    const beforeWorker = requested()[SHOPIFY_API_VERSION]!;
    expect(beforeWorker).toBeGreaterThan(beforeApp + 1);

    // The worker reads the product and its photos (ingest); the run is cancelled before tuning.
    const generation = await requestFor(stack, teapot, { allowLowDiversity: true });
    expect((await runUntil(stack, generation.id, "tune")).status).toBe("cancelled");
    expect(Object.keys(requested())).toEqual([SHOPIFY_API_VERSION]);
    expect(requested()[SHOPIFY_API_VERSION]).toBeGreaterThan(beforeWorker);
    expect(stack.stack.store.control.stats().versionFallbacks).toBe(0);
    expect(worker.output()).not.toMatch(/Admin API: asked for/);
  });
});
