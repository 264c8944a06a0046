// `npm run demo`: the whole app on the embedded default — local Shopify stand-in, SQLite, local
// storage, the `tiny` model profile. Installs what is missing, starts Redis if none answers, then
// the local store, the app and the worker, and prints the local admin URL.
// `npm run demo -- --once` does the same, runs what exists once, prints a summary and exits.
import path from "node:path";
import { setup } from "./setup.mjs";
import { ensureRedis } from "./lib/services.mjs";
import { startProcess, stopAll, waitForHttp } from "./lib/processes.mjs";
import { StepError, root, run } from "./lib/run.mjs";

const once = process.argv.includes("--once");
const log = (line) => console.log(`demo: ${line}`);

const ports = {
  app: Number(process.env.PORT ?? 3000),
  store: Number(process.env.DEVSTORE_PORT ?? 8090),
  worker: Number(process.env.WORKER_HEALTH_PORT ?? 8081),
};
const appUrl = process.env.SHOPIFY_APP_URL ?? `http://localhost:${ports.app}`;
const storeUrl = `http://127.0.0.1:${ports.store}`;
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const apiKey = process.env.SHOPIFY_API_KEY ?? "scenebooth-dev-api-key";
const apiSecret = process.env.SHOPIFY_API_SECRET ?? "scenebooth-dev-api-secret";
// node with tsx's loader, not the tsx CLI (which runs the script in a second process that a
// SIGKILL of the first would leave behind).
const node = process.execPath;
const ts = (script) => ["--import", "tsx", path.join(root, script)];

async function main() {
  const started = Date.now();
  const timings = [];
  const timed = async (label, step) => {
    const t0 = Date.now();
    const result = await step();
    timings.push([label, Date.now() - t0]);
    return result;
  };

  await timed("setup", () => setup({ log: (line) => console.log(`setup: ${line}`) }));
  await timed("redis", () => ensureRedis(redisUrl, log));

  const env = {
    NODE_ENV: "production",
    PORT: String(ports.app),
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_API_KEY: apiKey,
    SHOPIFY_API_SECRET: apiSecret,
    SHOPIFY_LOCAL_STORE_URL: storeUrl,
    // The local store serves a stand-in for App Bridge (Shopify's CDN script cannot load offline).
    APP_BRIDGE_URL: `${storeUrl}/app-bridge-standin.js`,
    REDIS_URL: redisUrl,
    WORKER_HEALTH_PORT: String(ports.worker),
    SCENEBOOTH_PROFILE: process.env.SCENEBOOTH_PROFILE ?? "tiny",
  };

  const store = startProcess(
    "store",
    node,
    [...ts("devstore/main.ts"), "--port", String(ports.store), "--app-url", appUrl],
    { env, cwd: root },
  );
  const app = startProcess("app", path.join(root, "node_modules", ".bin", "remix-serve"), ["./build/server/index.js"], {
    env,
    cwd: root,
  });
  const worker = startProcess("worker", node, ts("worker/main.ts"), { env, cwd: root });

  await timed("local store up", () => waitForHttp(`${storeUrl}/healthz`, { child: store }));
  const appHealth = await timed("app up", () => waitForHttp(`${appUrl}/healthz`, { child: app }));
  const workerHealth = await timed("worker up", () =>
    waitForHttp(`http://127.0.0.1:${ports.worker}/healthz`, { child: worker }),
  );

  await timed("sample product", () => run(node, ts("scripts/demo-product.ts"), { env, label: "sample product" }));

  console.log("");
  log(`local Shopify store (stand-in): ${storeUrl}`);
  log(`app: ${appUrl}  health ${appHealth}`);
  log(`worker health: ${workerHealth}`);
  log(`open the local admin: ${storeUrl}/admin`);
  for (const [label, ms] of timings) log(`  ${label.padEnd(16)} ${(ms / 1000).toFixed(1)} s`);
  log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);

  if (once) {
    await stopAll();
    log("--once: one sample product went from its photos to published media; stopped");
    process.exit(0);
  }
  log("running; press Ctrl-C to stop");
  const shutdown = async () => {
    await stopAll();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch(async (error) => {
  console.error(`demo: ${error instanceof StepError ? error.message : (error.message ?? error)}`);
  await stopAll(2000);
  process.exit(1);
});
