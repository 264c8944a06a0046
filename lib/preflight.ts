import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import path from "node:path";
import { ConfigError, projectRoot, type Config } from "./config";
import { checkDatabase } from "./db";
import { checkSchemaCurrent } from "./db/schema-version";
import { checkRedis } from "./queue/connection";
import { S3BlobStore, S3StoreError, createBlobStore } from "./storage";

export async function checkPython(python: string): Promise<void> {
  try {
    await access(python, constants.X_OK);
  } catch {
    const shown = path.relative(projectRoot, python) || python;
    throw new ConfigError(
      `The Python environment for the tuner is missing (${shown} not found): run "npm run setup" or set SCENEBOOTH_PYTHON.`,
    );
  }
}

/**
 * A real profile's pretrained weights must have been fetched (`npm run models:fetch`) at the configured
 * revision: the tuner's `verify` checks every file's size against the checksum manifest the fetch wrote
 * (a full sha256 pass is `verify --full`, minutes for SD 2.1 + BLIP-2, so not at every start).
 */
export async function checkWeights(cfg: Pick<Config, "python" | "modelProfile" | "modelsDir">): Promise<void> {
  if (cfg.modelProfile === "tiny") return; // random weights, built locally
  const args = ["-m", "scenebooth_tuner", "verify", "--profile", cfg.modelProfile];
  const env = { ...process.env, SCENEBOOTH_MODELS_DIR: cfg.modelsDir };
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(cfg.python, args, { env, timeout: 120_000, encoding: "utf8" }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
  for (const line of stderr.split("\n")) if (line.startsWith("warning:")) console.warn(line);
  if (code === 0) return;
  const last = stdout.trim().split("\n").pop() ?? "";
  let message: string | undefined;
  try {
    message = (JSON.parse(last) as { message?: string }).message;
  } catch {
    message = undefined;
  }
  throw new ConfigError(
    message ??
      `Checking the ${cfg.modelProfile} weights failed (exit ${code}): ${stderr.trim().split("\n").pop() ?? ""}`,
  );
}

/** What a process needs before it starts; each failure is one ConfigError line. */
export async function preflight(cfg: Config, needs: { python: boolean }): Promise<void> {
  await checkRedis(cfg.redisUrl);
  await checkDatabase(cfg.databaseUrl);
  await checkSchemaCurrent(cfg.databaseUrl);
  if (needs.python) {
    await checkPython(cfg.python);
    await checkWeights(cfg);
  }
  await checkStorage(cfg);
}

/** A wrong bucket or missing credentials stop the process at startup, not at its first job. */
async function checkStorage(cfg: Config): Promise<void> {
  const store = createBlobStore(cfg);
  if (!(store instanceof S3BlobStore)) return;
  try {
    await store.check();
  } catch (error) {
    if (error instanceof S3StoreError) throw new ConfigError(error.message);
    throw error;
  }
}

/** Prints a configuration problem as one line and exits; anything else is a bug and keeps its stack. */
export function exitOnStartupError(processName: string) {
  return (error: unknown): never => {
    if (error instanceof ConfigError) {
      console.error(`${processName}: ${error.message}`);
    } else {
      console.error(`${processName}: failed to start`, error);
    }
    process.exit(1);
  };
}
