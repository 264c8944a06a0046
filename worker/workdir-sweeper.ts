// The work-folder sweeper of a GPU worker: at start and then periodically it removes what no request
// needs any more — a subject's folder with no open request (queued or running) or untouched for longer
// than the limit, and everything of a shop that is not installed (a purge this host missed while it
// was down). Folders of jobs running on this host are never removed.
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { PrismaClient } from "../lib/db";
import { shopIsInstalled } from "../lib/lifecycle";
import { isShopDomain } from "../lib/shop-domain";
import type { WorkFolders } from "./work-folders";

export interface SweepOptions {
  /** A subject folder with nothing written for this long is removed even if its request is open. */
  maxAgeMs: number;
  now?: number;
}

export interface SweepReport {
  /** Folders removed, relative to the work root (`<shop>` or `<shop>/<subject>`). */
  removed: string[];
  /** Folders that would have gone but a job on this host is using them. */
  inUse: string[];
}

/** The newest modification time of anything in a folder (the folder itself included). */
async function lastWritten(dir: string): Promise<number> {
  let newest = (await stat(dir)).mtimeMs;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const time = entry.isDirectory() ? await lastWritten(full) : (await stat(full)).mtimeMs;
    newest = Math.max(newest, time);
  }
  return newest;
}

async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export async function sweepWorkFolders(
  client: PrismaClient,
  folders: WorkFolders,
  { maxAgeMs, now = Date.now() }: SweepOptions,
): Promise<SweepReport> {
  const report: SweepReport = { removed: [], inUse: [] };
  await folders.clearRemoving();
  // Only `<shop domain>` entries are shop data; anything else in the root (the class-image cache) stays.
  for (const shop of (await folders.entries()).filter(isShopDomain)) {
    if (!(await shopIsInstalled(client, shop))) {
      const { removed, kept } = await folders.removeShop(shop);
      if (removed > 0) report.removed.push(shop);
      report.inUse.push(...kept.map((name) => `${shop}/${name}`));
      continue;
    }
    const shopDir = folders.shopDir(shop);
    if (!(await isDirectory(shopDir))) continue;
    const names = await folders.entries(shopDir);
    const open = await client.generation.findMany({
      where: { shop, subjectId: { in: names }, status: { in: ["queued", "running"] } },
      select: { subjectId: true },
    });
    const live = new Set(open.map((g) => g.subjectId));
    for (const name of names) {
      const dir = path.join(shopDir, name);
      if (live.has(name) && now - (await lastWritten(dir).catch(() => now)) < maxAgeMs) continue;
      const result = await folders.remove(dir);
      if (result === "removed") report.removed.push(`${shop}/${name}`);
      if (result === "in-use") report.inUse.push(`${shop}/${name}`);
    }
  }
  return report;
}

export interface Sweeper {
  /** Runs a sweep now (after the one under way, if any). */
  sweep(): Promise<SweepReport | null>;
  close(): Promise<void>;
}

/** Sweeps at once, then every `intervalMs`; a failed sweep is logged and tried at the next tick. */
export function startWorkDirSweeper(
  client: PrismaClient,
  folders: WorkFolders,
  { intervalMs, maxAgeMs, log }: { intervalMs: number; maxAgeMs: number; log: (line: string) => void },
): Sweeper {
  let last: Promise<SweepReport | null> = Promise.resolve(null);
  const sweep = () =>
    (last = last.then(async () => {
      try {
        const report = await sweepWorkFolders(client, folders, { maxAgeMs });
        if (report.removed.length > 0 || report.inUse.length > 0)
          log(
            `work folders: removed ${report.removed.length} (${report.removed.join(", ") || "none"}); kept ${report.inUse.length} in use`,
          );
        return report;
      } catch (error) {
        log(`work folders: sweep failed: ${(error as Error).message}`);
        return null;
      }
    }));
  void sweep();
  const timer = intervalMs > 0 ? setInterval(() => void sweep(), intervalMs) : null;
  timer?.unref();
  return {
    sweep,
    async close() {
      if (timer) clearInterval(timer);
      await last;
    },
  };
}
