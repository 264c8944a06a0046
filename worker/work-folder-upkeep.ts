// What a GPU worker runs beside its jobs to keep its work folders from growing: the sweeper and the
// shop-purge listener, sharing the GPU stages' holds on the folders in use.
import os from "node:os";
import type { Config } from "../lib/config";
import type { PrismaClient } from "../lib/db";
import { startShopPurgeListener } from "./shop-purge";
import { workFoldersAt } from "./work-folders";
import { startWorkDirSweeper } from "./workdir-sweeper";
import { log as processLog } from "../lib/log";

export interface WorkFolderUpkeep {
  close(): Promise<void>;
}

export async function startWorkFolderUpkeep(
  cfg: Config,
  client: PrismaClient,
  log: (line: string) => void = (line) => processLog.info(line),
): Promise<WorkFolderUpkeep> {
  const folders = workFoldersAt(cfg.workDir);
  const listener = await startShopPurgeListener({
    redisUrl: cfg.redisUrl,
    prefix: cfg.queuePrefix,
    folders,
    // Two workers on one machine may keep separate work folders: both are named.
    host: `${os.hostname()}:${cfg.workDir}`,
    log,
  });
  const sweeper = startWorkDirSweeper(client, folders, {
    intervalMs: cfg.workDirSweepMs,
    maxAgeMs: cfg.workDirMaxAgeMs,
    log,
  });
  return {
    async close() {
      await Promise.allSettled([listener.close(), sweeper.close()]);
    },
  };
}
