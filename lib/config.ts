import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { QUEUE_KEYS, type QueueKey } from "./pipeline/stages";
import { redactUrl } from "./redact-url.mjs";

/**
 * The repository root (the nearest folder above this module with a package.json): every relative
 * default below is resolved from here, not from the cwd. Walking up also works from the app's
 * server bundle (build/server/index.js), into which this module is compiled.
 */
export const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start, "..");
  }
}

export type ModelProfile = "tiny" | "sd21" | "sd21-lora";
const MODEL_PROFILES: readonly ModelProfile[] = ["tiny", "sd21", "sd21-lora"];

/** A configuration problem a person must fix; printed as one line, never as a stack trace. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface Config {
  production: boolean;
  shopify: {
    apiKey: string;
    apiSecret: string;
    appUrl: string;
    scopes: string[];
  };
  databaseUrl: string;
  redisUrl: string;
  /** Where blobs live: a local directory (storageDir) or an S3-compatible bucket (s3). */
  storageDriver: StorageDriver;
  storageDir: string;
  /** Key for signing blob URLs; defaults to one derived from the app secret. */
  storageSigningKey: string;
  /** The bucket of the s3 driver; null with the local driver. */
  s3: S3StorageConfig | null;
  modelProfile: ModelProfile;
  /** onnxruntime execution provider for scoring and upscaling. */
  executionProvider: "cpu" | "cuda";
  /** ESRGAN weights: RRDN (thick, sharper) or RDN (medium, faster). */
  upscaleTier: "thick" | "medium";
  /** A fine-tuned ESRGAN ONNX (`esrgan-finetune`) used instead of the pretrained tier; null: the pretrained one. */
  upscaleModel: string | null;
  /** The product segmenter's folder (segmenter.json and its graph); null: `<modelsDir>/segment/<tiny|real>`. */
  segmenterDir: string | null;
  /** Format of the published 2048 px images. */
  publishFormat: "png" | "jpeg" | "webp";
  python: string;
  modelsDir: string;
  /** Local scratch space of the GPU stages (photos, captions, checkpoints); resumable per subject. */
  workDir: string;
  /** How often a GPU worker sweeps its work folders (0: only at start). */
  workDirSweepMs: number;
  /** A subject's work folder untouched for this long is removed even while its request is open. */
  workDirMaxAgeMs: number;
  /** A tuner command still running after this is killed and retried. */
  tunerTimeoutMs: number;
  /** `resident`: one tuner process per worker keeps the models loaded between jobs; `per-command`: one process per command. */
  tunerMode: "resident" | "per-command";
  /** A GPU worker loads its profile's base model at start, and is ready (GET /readyz) only once it has. */
  warmTuner: boolean;
  workerHealthPort: number;
  /** Address the worker's health server listens on: loopback by default, all interfaces in the container image. */
  workerHealthHost: string;
  /** Queues this worker process consumes: GPU hosts run "gpu", CPU hosts the others. */
  workerQueues: QueueKey[];
  workerShutdownGraceMs: number;
  /** How long a job's lock lasts without renewal: after a worker dies, its job is retried this much later. */
  workerLockMs: number;
  /** GPU jobs of one shop running at once across all GPU workers (the rest wait their turn). */
  gpuSlotsPerShop: number;
  /** How often a worker checks that every pending request and image still has its jobs (0: never). */
  reconcileIntervalMs: number;
  /** Images one shop may request per UTC day (every Generate path); bounds GPU time after the first tuning. */
  dailyImageLimit: number;
  queuePrefix: string;
  /** Bearer token of the app's /metrics; unset, the app serves no metrics (404). */
  metricsToken: string | undefined;
}

export type StorageDriver = "local" | "s3";

export interface S3StorageConfig {
  bucket: string;
  /** Prepended to every key inside the bucket: "" or a path ending in "/". */
  prefix: string;
  region: string;
  /** An S3-compatible endpoint (MinIO, R2…); unset means AWS S3. */
  endpoint?: string;
  /** Path-style URLs (endpoint/bucket/key), which most S3-compatible servers need. */
  forcePathStyle: boolean;
}

type Env = Record<string, string | undefined>;

/** Ten requests a day of the default size (6 scenes × 4 images). */
export const DEFAULT_DAILY_IMAGE_LIMIT = 240;

const DEV_API_KEY = "scenebooth-dev-api-key";
const DEV_API_SECRET = "scenebooth-dev-api-secret";

export function defaultSqliteUrl(): string {
  return `file:${path.join(projectRoot, "data", "scenebooth.sqlite")}`;
}

function nonEmpty(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function requiredInProduction(env: Env, name: string, production: boolean, devDefault: string): string {
  const value = nonEmpty(env, name);
  if (value) return value;
  if (production) {
    throw new ConfigError(`${name} is not set; it is required when NODE_ENV=production (see README, "Environment").`);
  }
  return devDefault;
}

function parsePort(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env, name);
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${name} must be a TCP port number (0-65535), got "${raw}".`);
  }
  return port;
}

function parseMilliseconds(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env, name);
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigError(`${name} must be a whole number of milliseconds, got "${raw}".`);
  }
  return value;
}

function parsePositiveInteger(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env, name);
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(`${name} must be a whole number of 1 or more, got "${raw}".`);
  return value;
}

function parseChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = nonEmpty(env, name) ?? fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${choices.join(", ")}, got "${raw}".`);
  }
  return raw as T;
}

function parseProfile(env: Env): ModelProfile {
  const raw = nonEmpty(env, "SCENEBOOTH_PROFILE") ?? "tiny";
  if (!(MODEL_PROFILES as readonly string[]).includes(raw)) {
    throw new ConfigError(`SCENEBOOTH_PROFILE must be one of ${MODEL_PROFILES.join(", ")}, got "${raw}".`);
  }
  return raw as ModelProfile;
}

function parseWorkerQueues(env: Env): QueueKey[] {
  const raw = nonEmpty(env, "WORKER_QUEUES");
  if (!raw) return [...QUEUE_KEYS];
  const names = raw
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(QUEUE_KEYS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new ConfigError(`WORKER_QUEUES must list some of ${QUEUE_KEYS.join(", ")}, got "${raw}".`);
  }
  return [...new Set(names)] as QueueKey[];
}

function parseDatabaseUrl(env: Env): string {
  const url = nonEmpty(env, "DATABASE_URL") ?? defaultSqliteUrl();
  if (!/^(file:|postgres(ql)?:\/\/)/.test(url)) {
    throw new ConfigError(
      `DATABASE_URL must start with file: (SQLite) or postgres:// (PostgreSQL), got "${redactUrl(url)}".`,
    );
  }
  return url;
}

const S3_VARIABLES = ["S3_BUCKET", "S3_PREFIX", "S3_REGION", "S3_ENDPOINT", "S3_FORCE_PATH_STYLE"] as const;
const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function parseBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = nonEmpty(env, name);
  if (!raw) return fallback;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}".`);
}

function parseS3Storage(env: Env, driver: StorageDriver): S3StorageConfig | null {
  if (driver !== "s3") {
    const set = S3_VARIABLES.filter((name) => nonEmpty(env, name));
    if (set.length > 0) {
      throw new ConfigError(
        `${set.join(", ")} ${set.length > 1 ? "are" : "is"} set but STORAGE_DRIVER is "${driver}": set STORAGE_DRIVER=s3 to store blobs in the bucket, or unset ${set.length > 1 ? "them" : "it"}.`,
      );
    }
    return null;
  }
  const bucket = nonEmpty(env, "S3_BUCKET");
  if (!bucket) throw new ConfigError(`S3_BUCKET is not set; it is required when STORAGE_DRIVER=s3.`);
  if (!S3_BUCKET_NAME.test(bucket)) {
    const hint = bucket.includes("/") ? " (put a path inside the bucket in S3_PREFIX)" : "";
    throw new ConfigError(
      `S3_BUCKET must be a bucket name (3-63 lowercase letters, digits, dots, hyphens)${hint}, got "${bucket}".`,
    );
  }
  const endpoint = nonEmpty(env, "S3_ENDPOINT");
  if (endpoint && !/^https?:\/\/[^/\s]+/.test(endpoint)) {
    throw new ConfigError(`S3_ENDPOINT must be an http:// or https:// URL, got "${redactUrl(endpoint)}".`);
  }
  const rawPrefix = nonEmpty(env, "S3_PREFIX") ?? "";
  const prefix = rawPrefix.replace(/^\/+|\/+$/g, "");
  if (prefix !== "" && prefix.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new ConfigError(`S3_PREFIX must be a path inside the bucket such as "scenebooth/prod", got "${rawPrefix}".`);
  }
  return {
    bucket,
    prefix: prefix ? `${prefix}/` : "",
    region: nonEmpty(env, "S3_REGION") ?? "us-east-1",
    ...(endpoint ? { endpoint } : {}),
    // Self-hosted S3-compatible servers rarely resolve bucket subdomains; AWS prefers them.
    forcePathStyle: parseBoolean(env, "S3_FORCE_PATH_STYLE", endpoint !== undefined),
  };
}

function isLocalUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return false;
  }
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    /^127\.\d+\.\d+\.\d+$/.test(host) ||
    host === "::1" ||
    host === "0.0.0.0"
  );
}

/**
 * The development key and secret are public (they are in this repository): an app reachable from
 * elsewhere must not sign sessions or verify webhooks with them, whatever NODE_ENV says.
 */
function refuseDevCredentialsOffLocalhost(env: Env, appUrl: string): void {
  if (isLocalUrl(appUrl)) return;
  const missing = ["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET"].filter((name) => !nonEmpty(env, name));
  if (missing.length === 0) return;
  throw new ConfigError(
    `SHOPIFY_APP_URL is ${appUrl}, not a local address, but ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set: the development credentials are public. Set the app's own (\`shopify app dev\` sets them).`,
  );
}

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === "production";
  const apiSecret = requiredInProduction(env, "SHOPIFY_API_SECRET", production, DEV_API_SECRET);
  const port = parsePort(env, "PORT", 3000);
  const executionProvider = parseChoice(env, "SCENEBOOTH_EXECUTION_PROVIDER", ["cpu", "cuda"] as const, "cpu");
  const storageDriver = parseChoice(env, "STORAGE_DRIVER", ["local", "s3"] as const, "local");
  const appUrl = requiredInProduction(env, "SHOPIFY_APP_URL", production, `http://localhost:${port}`);
  refuseDevCredentialsOffLocalhost(env, appUrl);
  return {
    production,
    shopify: {
      apiKey: requiredInProduction(env, "SHOPIFY_API_KEY", production, DEV_API_KEY),
      apiSecret,
      appUrl,
      scopes: (nonEmpty(env, "SCOPES") ?? "read_products,write_products,write_files").split(",").map((s) => s.trim()),
    },
    databaseUrl: parseDatabaseUrl(env),
    redisUrl: nonEmpty(env, "REDIS_URL") ?? "redis://127.0.0.1:6379",
    storageDriver,
    storageDir: path.resolve(projectRoot, nonEmpty(env, "STORAGE_DIR") ?? "data/blobs"),
    storageSigningKey: nonEmpty(env, "STORAGE_SIGNING_KEY") ?? `blob-url:${apiSecret}`,
    s3: parseS3Storage(env, storageDriver),
    modelProfile: parseProfile(env),
    executionProvider,
    // RRDN (thick) takes minutes per image on a CPU and well under a second on a GPU.
    upscaleTier: parseChoice(
      env,
      "SCENEBOOTH_UPSCALE_TIER",
      ["thick", "medium"] as const,
      executionProvider === "cuda" ? "thick" : "medium",
    ),
    upscaleModel: nonEmpty(env, "SCENEBOOTH_UPSCALE_MODEL")
      ? path.resolve(projectRoot, nonEmpty(env, "SCENEBOOTH_UPSCALE_MODEL")!)
      : null,
    segmenterDir: nonEmpty(env, "SCENEBOOTH_SEGMENTER_DIR")
      ? path.resolve(projectRoot, nonEmpty(env, "SCENEBOOTH_SEGMENTER_DIR")!)
      : null,
    publishFormat: parseChoice(env, "SCENEBOOTH_PUBLISH_FORMAT", ["png", "jpeg", "webp"] as const, "jpeg"),
    python: nonEmpty(env, "SCENEBOOTH_PYTHON") ?? path.join(projectRoot, ".venv", "bin", "python"),
    modelsDir: path.resolve(projectRoot, nonEmpty(env, "SCENEBOOTH_MODELS_DIR") ?? "data/models"),
    workDir: path.resolve(projectRoot, nonEmpty(env, "SCENEBOOTH_WORK_DIR") ?? "data/work"),
    workDirSweepMs: parseMilliseconds(env, "SCENEBOOTH_WORK_DIR_SWEEP_MS", 3600 * 1000),
    workDirMaxAgeMs: parseMilliseconds(env, "SCENEBOOTH_WORK_DIR_MAX_AGE_MS", 7 * 24 * 3600 * 1000),
    tunerTimeoutMs: parseMilliseconds(env, "TUNER_TIMEOUT_MS", 2 * 3600 * 1000),
    tunerMode: parseChoice(env, "SCENEBOOTH_TUNER_MODE", ["resident", "per-command"] as const, "resident"),
    warmTuner: parseBoolean(env, "SCENEBOOTH_WARM_TUNER", false),
    workerHealthPort: parsePort(env, "WORKER_HEALTH_PORT", 8081),
    workerHealthHost: nonEmpty(env, "WORKER_HEALTH_HOST") ?? "127.0.0.1",
    workerQueues: parseWorkerQueues(env),
    workerShutdownGraceMs: parseMilliseconds(env, "WORKER_SHUTDOWN_GRACE_MS", 30_000),
    workerLockMs: parseMilliseconds(env, "WORKER_LOCK_MS", 30_000),
    gpuSlotsPerShop: parsePositiveInteger(env, "GPU_SLOTS_PER_SHOP", 2),
    reconcileIntervalMs: parseMilliseconds(env, "RECONCILE_INTERVAL_MS", 5 * 60_000),
    dailyImageLimit: parsePositiveInteger(env, "SCENEBOOTH_DAILY_IMAGE_LIMIT", DEFAULT_DAILY_IMAGE_LIMIT),
    queuePrefix: nonEmpty(env, "QUEUE_PREFIX") ?? "scenebooth",
    metricsToken: nonEmpty(env, "METRICS_TOKEN"),
  };
}

let cached: Config | undefined;

/** The process-wide configuration, read once from the environment. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}

export interface QueueBoardConfig {
  user: string;
  password: string;
  port: number;
  host: string;
  actions: "none" | "retry-clean";
}

/** The operators' queue board (`npm run queue-board`): its own credentials, never a merchant's session. */
export function loadQueueBoardConfig(env: Env = process.env): QueueBoardConfig {
  const password = nonEmpty(env, "QUEUE_BOARD_PASSWORD");
  if (!password || password.length < 12) {
    throw new ConfigError("QUEUE_BOARD_PASSWORD must be set to an operator password of at least 12 characters.");
  }
  const actions = nonEmpty(env, "QUEUE_BOARD_ACTIONS") ?? "none";
  if (actions !== "none" && actions !== "retry-clean") {
    throw new ConfigError(`QUEUE_BOARD_ACTIONS must be "none" or "retry-clean", got "${actions}".`);
  }
  return {
    user: nonEmpty(env, "QUEUE_BOARD_USER") ?? "operator",
    password,
    port: parsePort(env, "QUEUE_BOARD_PORT", 8082),
    host: nonEmpty(env, "QUEUE_BOARD_HOST") ?? "127.0.0.1",
    actions,
  };
}
