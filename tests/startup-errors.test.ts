import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { projectRoot } from "../lib/config";
import { killOnExit } from "./harness/kill-on-exit";
import { redisAnswers } from "../scripts/lib/services.mjs";
import { freePort } from "./harness/stack";
import { freshSqliteUrl } from "./harness/database";
import { sqliteFilePath } from "../lib/db/url.mjs";

const tsx = path.join(projectRoot, "node_modules", ".bin", "tsx");

/** Starts an entry point with a broken environment and returns what it printed on stderr. */
function start(entry: string, env: Record<string, string | undefined>) {
  const result = spawnSync(tsx, [path.join(projectRoot, entry)], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      WORKER_HEALTH_PORT: "0",
      ...env,
    } as unknown as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 30_000,
  });
  const lines = result.stderr.split("\n").filter((line) => line.trim() && !line.startsWith("npm warn"));
  return { status: result.status, lines };
}

function expectOneLine(result: ReturnType<typeof start>, pattern: RegExp) {
  expect(result.status).toBe(1);
  expect(result.lines).toHaveLength(1);
  expect(result.lines[0]).toMatch(pattern);
  expect(result.lines[0]).not.toMatch(/^\s+at /);
}

const healthy = {
  REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
};

describe("bad configuration ends in one clear line", () => {
  it("app in production without SHOPIFY_API_SECRET", () => {
    const result = start("scripts/serve-app.ts", {
      ...healthy,
      NODE_ENV: "production",
      SHOPIFY_API_KEY: "k",
      SHOPIFY_APP_URL: "https://app.example",
    });
    expectOneLine(result, /^scenebooth app: SHOPIFY_API_SECRET is not set; it is required when NODE_ENV=production/);
  });

  it("worker with an unreachable Redis", () => {
    const result = start("worker/main.ts", { REDIS_URL: "redis://127.0.0.1:1" });
    expectOneLine(result, /^scenebooth worker: Cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });

  it("app with an unreachable database", () => {
    const result = start("scripts/serve-app.ts", {
      ...healthy,
      DATABASE_URL: "postgresql://postgres@127.0.0.1:1/scenebooth",
    });
    expectOneLine(
      result,
      /^scenebooth app: Cannot reach the database at postgresql:\/\/postgres@127\.0\.0\.1:1\/scenebooth/,
    );
  });

  it("worker on a database that lacks a migration (migrations are a deploy step, not each replica's start)", () => {
    const { url, remove } = freshSqliteUrl();
    new Database(sqliteFilePath(url)).close();
    try {
      const result = start("worker/main.ts", { ...healthy, DATABASE_URL: url });
      expectOneLine(
        result,
        /^scenebooth worker: The database at file:.* lacks \d+ migration\(s\) this release needs \(.*\): run "npm run db:deploy" first\.$/,
      );
    } finally {
      remove();
    }
  });

  it("app reachable from elsewhere on the public development credentials", () => {
    const result = start("scripts/serve-app.ts", { ...healthy, SHOPIFY_APP_URL: "https://scenebooth.example.com" });
    expectOneLine(
      result,
      /^scenebooth app: SHOPIFY_APP_URL is https:\/\/scenebooth\.example\.com, not a local address/,
    );
  });

  it("worker whose Redis evicts keys (a managed Redis's default volatile-lru)", async () => {
    const port = await freePort();
    const redis = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--maxmemory-policy",
        "volatile-lru",
      ],
      { stdio: "ignore" },
    );
    killOnExit(redis);
    try {
      for (let i = 0; i < 50 && !(await redisAnswers(`redis://127.0.0.1:${port}`)); i++)
        await new Promise((r) => setTimeout(r, 100));
      const result = start("worker/main.ts", { REDIS_URL: `redis://127.0.0.1:${port}` });
      expectOneLine(
        result,
        /^scenebooth worker: Redis at redis:\/\/127\.0\.0\.1:\d+ evicts keys when full \(maxmemory-policy volatile-lru\).*Set maxmemory-policy noeviction/,
      );
    } finally {
      redis.kill("SIGKILL");
    }
  });

  it("GPU worker without the Python environment", () => {
    const result = start("worker/main.ts", {
      ...healthy,
      WORKER_QUEUES: "gpu",
      SCENEBOOTH_PYTHON: "/nonexistent/python",
    });
    expectOneLine(result, /^scenebooth worker: The Python environment for the tuner is missing .*npm run setup/);
  });

  it("GPU worker on sd21-lora without weights (never discovered at the first job)", () => {
    const models = mkdtempSync(path.join(tmpdir(), "scenebooth-no-weights-"));
    try {
      const result = start("worker/main.ts", {
        ...healthy,
        WORKER_QUEUES: "gpu",
        SCENEBOOTH_PROFILE: "sd21-lora",
        SCENEBOOTH_MODELS_DIR: models,
      });
      expectOneLine(
        result,
        /^scenebooth worker: weights for profile 'sd21-lora' are not ready: base sd2-community\/stable-diffusion-2-1 is not fetched .*npm run models:fetch/,
      );
    } finally {
      rmSync(models, { recursive: true, force: true });
    }
  });

  it("worker whose S3 bucket cannot be reached", () => {
    const s3 = {
      STORAGE_DRIVER: "s3",
      S3_BUCKET: "scenebooth-media",
      S3_ENDPOINT: "http://127.0.0.1:1",
      AWS_ACCESS_KEY_ID: "k",
      AWS_SECRET_ACCESS_KEY: "s",
    };
    // On Node 20 the AWS SDK also warns that its 2027 releases need Node 22: true, and not ours to shorten.
    const quietNode = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
    const result = start("worker/main.ts", { ...healthy, ...s3, ...quietNode, WORKER_QUEUES: "publish" });
    expectOneLine(
      result,
      /^scenebooth worker: Cannot reach S3 bucket "scenebooth-media" at http:\/\/127\.0\.0\.1:1 .*check S3_ENDPOINT/,
    );
  });

  it("an unknown model profile", () => {
    const result = start("worker/main.ts", { ...healthy, SCENEBOOTH_PROFILE: "sd15" });
    expectOneLine(result, /^scenebooth worker: SCENEBOOTH_PROFILE must be one of tiny, sd21, sd21-lora, got "sd15"\.$/);
  });
});
