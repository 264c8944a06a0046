import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { projectRoot } from "../lib/config";
import { SHOPIFY_API_VERSION } from "../lib/shopify-admin/version";
import { loadOptionalScopes, loadSubscriptions } from "./app-config";
import type { AppCredentials } from "./auth";
import { BlobStore } from "./blobs";
import { ControlRoutes, DevStoreControl } from "./control";
import { Faults } from "./faults";
import { createHttpServer } from "./http";
import { resumeProcessing } from "./media-processing";
import { adminSchemaPath, loadAdminSchema } from "./schema";
import { seedState, sharedDir as defaultSharedDir } from "./seed";
import { emptyState, StateFile } from "./state";
import { LocalStore, type Timing } from "./store";
import { Throttle, type BucketSettings } from "./throttle";
import { WebhookSender, type RetryPolicy, type WebhookTopic } from "./webhooks";

export { DEMO_SHOP, OTHER_SHOP } from "./seed";
export type { DevStoreControl } from "./control";
export type { FaultSpec, FaultRoute } from "./faults";

export const DEFAULT_STATE_PATH = path.join(projectRoot, "data", "devstore.json");

export interface DevStoreOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** JSON state file; created and seeded when missing. null keeps state in memory (and files in a temp dir). */
  statePath?: string | null;
  /** Where uploaded and processed files go; default: `devstore-files` beside the state file. */
  filesDir?: string;
  /** The shared data folder with dreambench/ (default: ../shared or SCENEBOOTH_SHARED_DIR). */
  sharedDir?: string;
  /** The app's URL: webhooks go there, OAuth may redirect there. */
  appUrl?: string | null;
  apiKey: string;
  apiSecret: string;
  scopes?: string[];
  /** Default: shopify.app.toml's optional_scopes (granted with the install). */
  optionalScopes?: string[];
  /** Leaky bucket: default 2000 points, refilled at 100 points/s. */
  bucket?: Partial<BucketSettings>;
  timing?: Partial<Timing>;
  webhookRetry?: Partial<RetryPolicy>;
  webhookPaths?: Partial<Record<WebhookTopic, string>>;
  webhookTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface DevStore {
  url: string;
  control: DevStoreControl;
  close(): Promise<void>;
}

/** Starts the local Shopify stand-in ("devstore", a fake named as such) on real HTTP. */
export async function startDevStore(options: DevStoreOptions): Promise<DevStore> {
  if (!options.apiKey || !options.apiSecret)
    throw new Error("startDevStore needs apiKey and apiSecret (the app's credentials).");
  const log = options.log ?? ((line: string) => console.log(`devstore: ${line}`));
  const statePath = options.statePath === undefined ? DEFAULT_STATE_PATH : options.statePath;
  const tempFiles = !options.filesDir && !statePath;
  const filesDir =
    options.filesDir ??
    (statePath
      ? path.join(path.dirname(statePath), "devstore-files")
      : fs.mkdtempSync(path.join(os.tmpdir(), "devstore-files-")));
  const blobs = new BlobStore(filesDir, options.sharedDir ?? defaultSharedDir());
  const app: AppCredentials = {
    apiKey: options.apiKey,
    apiSecret: options.apiSecret,
    scopes: options.scopes ?? ["read_products", "write_products", "write_files"],
    optionalScopes: options.optionalScopes ?? loadOptionalScopes(),
    appUrl: options.appUrl ?? null,
  };

  const loaded = statePath ? StateFile.read(statePath) : null;
  const state = loaded ?? emptyState();
  const file = statePath ? new StateFile(statePath, state) : null;
  const webhooks = new WebhookSender({
    appUrl: app.appUrl,
    apiSecret: app.apiSecret,
    apiVersion: SHOPIFY_API_VERSION,
    subscriptions: loadSubscriptions(),
    paths: options.webhookPaths,
    retry: options.webhookRetry,
    timeoutMs: options.webhookTimeoutMs,
    log,
  });
  const timing: Timing = {
    mediaStepMs: options.timing?.mediaStepMs ?? 250,
    bulkStepMs: options.timing?.bulkStepMs ?? 250,
  };
  const store = new LocalStore(loadAdminSchema(SHOPIFY_API_VERSION), state, file, blobs, webhooks, timing);
  // The other supported versions' schemas load on first use; a missing one is said now, not mid-request.
  for (const version of store.apiVersions) {
    if (!fs.existsSync(adminSchemaPath(version)))
      throw new Error(
        `No Admin schema for API version ${version} (${adminSchemaPath(version)}): the pinned @shopify/dev-mcp must ship every version of the supported window.`,
      );
  }
  if (!loaded) {
    await seedState(state, blobs, blobs.sharedDir);
    file?.flush();
    log(
      `seeded ${state.shops.map((s) => `${s.domain} (${s.products.length} products)`).join(", ")}${statePath ? ` into ${statePath}` : ""}`,
    );
  }

  const throttle = new Throttle({
    maximumAvailable: options.bucket?.maximumAvailable ?? 2000,
    restoreRate: options.bucket?.restoreRate ?? 100,
  });
  const faults = new Faults();
  const control = new DevStoreControl(store, app, throttle, faults);
  const server = createHttpServer({ store, app, throttle, faults, control: new ControlRoutes(control), log });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
  store.baseUrl = url;
  resumeProcessing(store);

  return {
    url,
    control,
    close: async () => {
      store.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (tempFiles) fs.rmSync(filesDir, { recursive: true, force: true });
    },
  };
}
