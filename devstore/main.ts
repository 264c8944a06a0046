// The local Shopify stand-in as a process:
//   tsx devstore/main.ts --port 8090 --state data/devstore.json --app-url http://localhost:3000 --api-key K --api-secret S
// Flags win over env (DEVSTORE_PORT, DEVSTORE_STATE, SHOPIFY_APP_URL, SHOPIFY_API_KEY, SHOPIFY_API_SECRET,
// SCOPES, DEVSTORE_BUCKET_SIZE, DEVSTORE_RESTORE_RATE); key and secret default like lib/config.ts.
import path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig, projectRoot } from "../lib/config";
import { startDevStore, DEFAULT_STATE_PATH } from "./index";

function positive(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name} must be a positive number, got "${raw}".`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      state: { type: "string" },
      "app-url": { type: "string" },
      "api-key": { type: "string" },
      "api-secret": { type: "string" },
      "bucket-size": { type: "string" },
      "restore-rate": { type: "string" },
    },
  });
  const env = process.env;
  const cfg = loadConfig({ ...env, NODE_ENV: undefined });
  const port = positive("--port / DEVSTORE_PORT", values.port ?? env.DEVSTORE_PORT) ?? 8090;
  if (!Number.isInteger(port) || port > 65535) throw new ConfigError(`--port must be a TCP port, got ${port}.`);
  const stateArg = values.state ?? env.DEVSTORE_STATE;
  const store = await startDevStore({
    port,
    host: values.host ?? env.DEVSTORE_HOST ?? "127.0.0.1",
    statePath: stateArg ? path.resolve(projectRoot, stateArg) : DEFAULT_STATE_PATH,
    appUrl: values["app-url"] ?? env.SHOPIFY_APP_URL ?? cfg.shopify.appUrl,
    apiKey: values["api-key"] ?? cfg.shopify.apiKey,
    apiSecret: values["api-secret"] ?? cfg.shopify.apiSecret,
    scopes: cfg.shopify.scopes,
    bucket: {
      maximumAvailable: positive(
        "--bucket-size / DEVSTORE_BUCKET_SIZE",
        values["bucket-size"] ?? env.DEVSTORE_BUCKET_SIZE,
      ),
      restoreRate: positive(
        "--restore-rate / DEVSTORE_RESTORE_RATE",
        values["restore-rate"] ?? env.DEVSTORE_RESTORE_RATE,
      ),
    },
  });
  console.log(
    `devstore: local Shopify stand-in on ${store.url} (shops: ${store.control.shops().join(", ")}); admin: ${store.url}/admin`,
  );
  const stop = async () => {
    await store.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `devstore: ${err.message}` : err);
  process.exit(1);
});
