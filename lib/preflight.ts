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

/** What a process needs before it starts; each failure is one ConfigError line. */
export async function preflight(cfg: Config, needs: { python: boolean }): Promise<void> {
  await checkRedis(cfg.redisUrl);
  await checkDatabase(cfg.databaseUrl);
  await checkSchemaCurrent(cfg.databaseUrl);
  if (needs.python) await checkPython(cfg.python);
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
