// Test helper: a local store on a random port with its state in a fresh temp folder and fast timings.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startDevStore, type DevStore, type DevStoreOptions } from "./index";
import { DEMO_SHOP } from "./seed";
import { SHOPIFY_API_VERSION } from "../lib/shopify-admin/version";

export const TEST_API_KEY = "test-api-key";
export const TEST_API_SECRET = "test-api-secret";

export interface TestStore extends DevStore {
  dir: string;
  statePath: string;
  /** An offline token for the demo shop. */
  token: string;
  /** POSTs a GraphQL request as the app would (no pacing, no retries). */
  graphql(
    query: string,
    variables?: Record<string, unknown>,
    options?: { token?: string; shop?: string },
  ): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startTestStore(options: Partial<DevStoreOptions> & { dir?: string } = {}): Promise<TestStore> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "devstore-test-"));
  const statePath = path.join(dir, "state.json");
  const store = await startDevStore({
    apiKey: TEST_API_KEY,
    apiSecret: TEST_API_SECRET,
    statePath,
    timing: { mediaStepMs: 20, bulkStepMs: 20 },
    webhookRetry: { retries: 3, baseDelayMs: 30 },
    log: () => undefined,
    ...options,
  });
  const token = store.control.issueAccessToken(DEMO_SHOP);
  return {
    ...store,
    dir,
    statePath,
    token,
    async graphql(query, variables, opts = {}) {
      const res = await fetch(`${store.url}/admin/api/${SHOPIFY_API_VERSION}/graphql.json`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Shopify-Access-Token": opts.token ?? token,
          "X-Forwarded-Host": opts.shop ?? DEMO_SHOP,
        },
        body: JSON.stringify({ query, variables }),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body };
    },
    async stop() {
      await store.close();
      if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
