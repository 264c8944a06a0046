// The worker process: `npm run worker`. Consumes the queues named by WORKER_QUEUES.
import { config } from "../lib/config";
import { log } from "../lib/log";
import { startTracing } from "../lib/telemetry";
import { db, disconnectDb } from "../lib/db";
import { startConfiguredReconciler } from "../lib/pipeline/reconcile";
import { closeProducers, producers } from "../lib/queue/producer";
import { exitOnStartupError, preflight } from "../lib/preflight";
import { closeModels } from "./models";
import { closeTuners } from "./tuner-pool";
import { startWorkerRuntime } from "./runtime";
import { warmTuner } from "./tuner-warmup";
import { stageProcessors, stalledOutHandler } from "./stages";
import { startWorkFolderUpkeep } from "./work-folder-upkeep";

async function main(): Promise<void> {
  const cfg = config();
  await preflight(cfg, { python: cfg.workerQueues.includes("gpu") });
  const stopTracing = await startTracing("scenebooth-worker");
  // Before the health server answers: a healthy GPU worker already hears shop purges.
  const workFolders = cfg.workerQueues.includes("gpu") ? await startWorkFolderUpkeep(cfg, db()) : null;
  const runtime = await startWorkerRuntime({
    redisUrl: cfg.redisUrl,
    prefix: cfg.queuePrefix,
    queues: cfg.workerQueues,
    processors: stageProcessors(),
    onStalledOut: stalledOutHandler(db()),
    healthPort: cfg.workerHealthPort,
    healthHost: cfg.workerHealthHost,
    lockMs: cfg.workerLockMs,
    perShopLimits: { gpu: cfg.gpuSlotsPerShop },
    ready:
      cfg.warmTuner && cfg.workerQueues.includes("gpu") && cfg.tunerMode === "resident" ? warmTuner(cfg) : undefined,
  });
  const reconciler = startConfiguredReconciler(db(), producers());

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`worker: ${signal} received, finishing running jobs (up to ${cfg.workerShutdownGraceMs} ms)`);
    const graceful = runtime.close().then(() => true);
    const timedOut = new Promise<boolean>((resolve) =>
      setTimeout(() => resolve(false), cfg.workerShutdownGraceMs).unref(),
    );
    if (!(await Promise.race([graceful, timedOut]))) {
      // Exiting releases the jobs still running: their locks lapse and another worker picks them up
      // as stalled, from their last checkpoint.
      log.info("worker: grace period over, releasing running jobs");
    }
    await workFolders?.close();
    await reconciler.stop();
    await Promise.allSettled([closeModels(), closeTuners(), closeProducers(), disconnectDb(), stopTracing?.()]);
    log.info("worker: stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch(exitOnStartupError("scenebooth worker"));
