// Test harness: the real stack on random ports — the local store stand-in (in this process), the
// built app (remix-serve, a child process), and optionally the worker (a child process that a
// test may SIGKILL) — on a fresh migrated SQLite file, a private Redis key prefix, a temporary
// blob folder and a temporary work folder (a worker's sweep removes folders its database does not
// know: stacks of test files running side by side must not share one). Needs `npm run setup` (the app build); `npm test` runs it first.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DEMO_SHOP, startDevStore, type DevStore } from "../../devstore";
import { mintSessionToken } from "../../devstore/auth";
import { projectRoot } from "../../lib/config";
import { createPrismaClient, type PrismaClient } from "../../lib/db";
import { migratedTestDatabase, type TestDatabaseKind } from "./database";
import { AdminClient } from "../../lib/shopify-admin";
import { freePort } from "./free-port";
import { killOnExit } from "./kill-on-exit";
import { SHOPIFY_API_VERSION } from "../../lib/shopify-admin/version";
export { freePort };

export const TEST_API_KEY = "test-api-key";
export const TEST_API_SECRET = "test-api-secret";

/** Node's fetch says "node", which the Shopify library rejects as a bot (410): talk like a browser. */
export const BROWSER_USER_AGENT =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";

export interface ProcessHandle {
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface TestStack {
  appUrl: string;
  store: DevStore;
  db: PrismaClient;
  env: Record<string, string>;
  /** A session token (JWT) for `shop`, as App Bridge sends it. */
  sessionToken(shop?: string): Promise<string>;
  /**
   * Opens the embedded app once so that it holds an offline session for `shop` (token exchange), and
   * approves the SceneBooth plan the app sends the merchant to (the app's appSubscriptionCreate; the
   * local store approves a subscription as it is created). `{ plan: false }`: the merchant declines,
   * so the shop has no active plan.
   */
  installShop(shop?: string, options?: { plan?: boolean }): Promise<void>;
  /** GET /app as the Shopify admin's iframe loads it (id_token in the URL); redirects are not followed. */
  openEmbeddedApp(shop?: string): Promise<Response>;
  /** GET/POST an app route as the embedded admin would (Authorization: Bearer <session token>). */
  appFetch(pathname: string, init?: RequestInit & { shop?: string }): Promise<Response>;
  startWorker(extraEnv?: Record<string, string>): Promise<ProcessHandle>;
  /** What the app process printed so far (its access log included). */
  appOutput(): string;
  /** The Admin API client the worker would use for `shop` (its offline session; installShop first). */
  adminClient(shop?: string): Promise<AdminClient>;
  close(): Promise<void>;
}

function startChild(name: string, command: string, args: string[], env: Record<string, string>): ProcessHandle {
  const child = spawn(command, args, {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  killOnExit(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    output: () => output,
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      // remix-serve waits for keep-alive connections on SIGTERM: do not wait for it for long.
      const forced = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(forced);
    },
  };
}

async function waitForHealthy(url: string, handle: ProcessHandle, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (handle.child.exitCode !== null) throw new Error(`process exited before ${url} answered:\n${handle.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      last = `HTTP ${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become healthy (${last}):\n${handle.output()}`);
}

/** Where the app sent the merchant to approve the plan (its exit-iframe redirect), or null. */
export function planApprovalUrl(response: Response): string | null {
  const location = response.status === 302 ? response.headers.get("location") : null;
  return location ? new URL(location, "http://app").searchParams.get("exitIframe") : null;
}

/**
 * The merchant declines the plan. The local store approves a subscription as soon as the app creates
 * it (no merchant to click), so declining is cancelling what the app's request created.
 */
async function declinePlan(storeUrl: string, shop: string, accessToken: string): Promise<void> {
  const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(`${storeUrl}/admin/api/${SHOPIFY_API_VERSION}/graphql.json`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": accessToken, "X-Forwarded-Host": shop },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown };
    if (!response.ok || body.errors) throw new Error(`local store: ${JSON.stringify(body.errors ?? response.status)}`);
    return body.data;
  };
  const { currentAppInstallation } = await graphql("{ currentAppInstallation { activeSubscriptions { id } } }");
  for (const { id } of currentAppInstallation.activeSubscriptions as Array<{ id: string }>) {
    const { appSubscriptionCancel } = await graphql(
      "mutation($id: ID!) { appSubscriptionCancel(id: $id) { userErrors { message } } }",
      { id },
    );
    if (appSubscriptionCancel.userErrors.length)
      throw new Error(`cancelling ${id}: ${JSON.stringify(appSubscriptionCancel.userErrors)}`);
  }
}

export async function startTestStack(
  options: { env?: Record<string, string>; database?: TestDatabaseKind } = {},
): Promise<TestStack> {
  // A migrated database of its own: a SQLite file, or a throwaway PostgreSQL database (TEST_POSTGRES_URL's server).
  const database = await migratedTestDatabase(options.database ?? "sqlite");
  const storageDir = await mkdtemp(path.join(os.tmpdir(), "scenebooth-blobs-"));
  const workDir = await mkdtemp(path.join(os.tmpdir(), "scenebooth-work-"));
  const appPort = await freePort();
  const appUrl = `http://127.0.0.1:${appPort}`;
  const store = await startDevStore({
    port: 0,
    statePath: null,
    appUrl,
    apiKey: TEST_API_KEY,
    apiSecret: TEST_API_SECRET,
    log: () => {},
  });

  const env: Record<string, string> = {
    NODE_ENV: "production",
    PORT: String(appPort),
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_API_KEY: TEST_API_KEY,
    SHOPIFY_API_SECRET: TEST_API_SECRET,
    SHOPIFY_LOCAL_STORE_URL: store.url,
    DATABASE_URL: database.url,
    REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    QUEUE_PREFIX: `test-${randomUUID()}`,
    STORAGE_DIR: storageDir,
    SCENEBOOTH_WORK_DIR: workDir,
    SCENEBOOTH_PROFILE: "tiny",
    ...options.env,
  };
  // One process per child (node with tsx's loader), not the tsx CLI, which runs the script in a
  // second process: a SIGKILL must reach the process that does the work.
  const node = (script: string): [string, string[]] => [
    process.execPath,
    ["--import", "tsx", path.join(projectRoot, script)],
  ];
  const app = startChild("app", ...node("scripts/serve-app.ts"), env);
  await waitForHealthy(`${appUrl}/healthz`, app);
  const db = createPrismaClient(database.url);
  const workers: ProcessHandle[] = [];

  const stack: TestStack = {
    appUrl,
    store,
    db,
    env,
    sessionToken: (shop = DEMO_SHOP) =>
      mintSessionToken({ apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET, scopes: [], appUrl }, shop),
    async openEmbeddedApp(shop = DEMO_SHOP) {
      const token = await stack.sessionToken(shop);
      const url = `${appUrl}/app?embedded=1&shop=${shop}&host=${Buffer.from(`admin.shopify.com/store/${shop.split(".")[0]}`).toString("base64url")}&id_token=${token}`;
      return fetch(url, { headers: { "User-Agent": BROWSER_USER_AGENT }, redirect: "manual" });
    },
    async installShop(shop = DEMO_SHOP, { plan = true } = {}) {
      const first = await stack.openEmbeddedApp(shop);
      const sentToApproval = planApprovalUrl(first) !== null;
      if (!first.ok && !sentToApproval)
        throw new Error(`installing ${shop} failed: HTTP ${first.status} ${await first.text()}`);
      if (!plan)
        return declinePlan(
          store.url,
          shop,
          (await db.session.findFirstOrThrow({ where: { shop, isOnline: false } })).accessToken,
        );
      if (!sentToApproval) return;
      const back = await stack.openEmbeddedApp(shop);
      if (!back.ok)
        throw new Error(
          `${shop} approved the plan, but the app still answers HTTP ${back.status} ${back.headers.get("location") ?? ""}`,
        );
    },
    async appFetch(pathname, init = {}) {
      const headers = new Headers(init.headers);
      headers.set("Authorization", `Bearer ${await stack.sessionToken(init.shop)}`);
      if (!headers.has("User-Agent")) headers.set("User-Agent", BROWSER_USER_AGENT);
      return fetch(new URL(pathname, appUrl), { ...init, headers });
    },
    appOutput: () => app.output(),
    async startWorker(extraEnv: Record<string, string> = {}) {
      const healthPort = extraEnv.WORKER_HEALTH_PORT ? Number(extraEnv.WORKER_HEALTH_PORT) : await freePort();
      const handle = startChild("worker", ...node("worker/main.ts"), {
        ...env,
        WORKER_HEALTH_PORT: String(healthPort),
        ...extraEnv,
      });
      workers.push(handle);
      await waitForHealthy(`http://127.0.0.1:${healthPort}/healthz`, handle);
      return handle;
    },
    async adminClient(shop = DEMO_SHOP) {
      const session = await db.session.findFirst({ where: { shop, isOnline: false } });
      if (!session) throw new Error(`no offline session for ${shop}: call installShop first`);
      return new AdminClient({ shop, accessToken: session.accessToken, env: { SHOPIFY_LOCAL_STORE_URL: store.url } });
    },
    async close() {
      await Promise.all(workers.map((w) => w.kill("SIGKILL")));
      if (process.env.STACK_DEBUG) console.log(app.output());
      await app.kill();
      await store.close();
      await db.$disconnect();
      await rm(storageDir, { recursive: true, force: true });
      await rm(workDir, { recursive: true, force: true });
      await database.drop();
    },
  };
  return stack;
}

export { DEMO_SHOP };
