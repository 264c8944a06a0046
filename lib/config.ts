import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

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
  storageDir: string;
  /** Key for signing blob URLs; defaults to one derived from the app secret. */
  storageSigningKey: string;
  modelProfile: ModelProfile;
  /** onnxruntime execution provider for scoring and upscaling. */
  executionProvider: "cpu" | "cuda";
  /** ESRGAN weights: RRDN (thick, sharper) or RDN (medium, faster). */
  upscaleTier: "thick" | "medium";
  /** Format of the published 2048 px images. */
  publishFormat: "png" | "jpeg" | "webp";
  python: string;
  modelsDir: string;
  /** Local scratch space of the GPU stages (photos, captions, checkpoints); resumable per subject. */
  workDir: string;
  /** A tuner command still running after this is killed and retried. */
  tunerTimeoutMs: number;
  workerHealthPort: number;
  /** Queues this worker process consumes: GPU hosts run "gpu", CPU hosts the others. */
  workerQueues: WorkerQueue[];
  workerShutdownGraceMs: number;
  /** How long a job's lock lasts without renewal: after a worker dies, its job is retried this much later. */
  workerLockMs: number;
  queuePrefix: string;
}

export type WorkerQueue = "ingest" | "gpu" | "post" | "publish";
const WORKER_QUEUES: readonly WorkerQueue[] = ["ingest", "gpu", "post", "publish"];

type Env = Record<string, string | undefined>;

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

function parseWorkerQueues(env: Env): WorkerQueue[] {
  const raw = nonEmpty(env, "WORKER_QUEUES");
  if (!raw) return [...WORKER_QUEUES];
  const names = raw.split(",").map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(WORKER_QUEUES as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new ConfigError(`WORKER_QUEUES must list some of ${WORKER_QUEUES.join(", ")}, got "${raw}".`);
  }
  return [...new Set(names)] as WorkerQueue[];
}

function parseDatabaseUrl(env: Env): string {
  const url = nonEmpty(env, "DATABASE_URL") ?? defaultSqliteUrl();
  if (!/^(file:|postgres(ql)?:\/\/)/.test(url)) {
    throw new ConfigError(`DATABASE_URL must start with file: (SQLite) or postgres:// (PostgreSQL), got "${url}".`);
  }
  return url;
}

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === "production";
  const apiSecret = requiredInProduction(env, "SHOPIFY_API_SECRET", production, DEV_API_SECRET);
  const port = parsePort(env, "PORT", 3000);
  const executionProvider = parseChoice(env, "SCENEBOOTH_EXECUTION_PROVIDER", ["cpu", "cuda"] as const, "cpu");
  return {
    production,
    shopify: {
      apiKey: requiredInProduction(env, "SHOPIFY_API_KEY", production, DEV_API_KEY),
      apiSecret,
      appUrl: requiredInProduction(env, "SHOPIFY_APP_URL", production, `http://localhost:${port}`),
      scopes: (nonEmpty(env, "SCOPES") ?? "read_products,write_products,write_files").split(",").map((s) => s.trim()),
    },
    databaseUrl: parseDatabaseUrl(env),
    redisUrl: nonEmpty(env, "REDIS_URL") ?? "redis://127.0.0.1:6379",
    storageDir: path.resolve(projectRoot, nonEmpty(env, "STORAGE_DIR") ?? "data/blobs"),
    storageSigningKey: nonEmpty(env, "STORAGE_SIGNING_KEY") ?? `blob-url:${apiSecret}`,
    modelProfile: parseProfile(env),
    executionProvider,
    // RRDN (thick) takes minutes per image on a CPU and well under a second on a GPU.
    upscaleTier: parseChoice(env, "SCENEBOOTH_UPSCALE_TIER", ["thick", "medium"] as const, executionProvider === "cuda" ? "thick" : "medium"),
    publishFormat: parseChoice(env, "SCENEBOOTH_PUBLISH_FORMAT", ["png", "jpeg", "webp"] as const, "jpeg"),
    python: nonEmpty(env, "SCENEBOOTH_PYTHON") ?? path.join(projectRoot, ".venv", "bin", "python"),
    modelsDir: path.resolve(projectRoot, nonEmpty(env, "SCENEBOOTH_MODELS_DIR") ?? "data/models"),
    workDir: path.resolve(projectRoot, nonEmpty(env, "SCENEBOOTH_WORK_DIR") ?? "data/work"),
    tunerTimeoutMs: parseMilliseconds(env, "TUNER_TIMEOUT_MS", 2 * 3600 * 1000),
    workerHealthPort: parsePort(env, "WORKER_HEALTH_PORT", 8081),
    workerQueues: parseWorkerQueues(env),
    workerShutdownGraceMs: parseMilliseconds(env, "WORKER_SHUTDOWN_GRACE_MS", 30_000),
    workerLockMs: parseMilliseconds(env, "WORKER_LOCK_MS", 30_000),
    queuePrefix: nonEmpty(env, "QUEUE_PREFIX") ?? "scenebooth",
  };
}

let cached: Config | undefined;

/** The process-wide configuration, read once from the environment. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
