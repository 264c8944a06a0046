// The database says what work is pending; Redis holds the jobs that do it. When Redis loses jobs (a
// crash without persistence, a flush, eviction on a misconfigured server), the rows still say
// "queued", "running", "approved" or "uninstalled" and nothing would ever move them. The reconciler
// compares the two and rebuilds what is missing under the same fixed job ids (so a pass that finds
// everything in place adds nothing, and a job added by someone else meanwhile is not added twice).
// One pass at a time across all workers (a Redis lock); rows changed in the last `graceMs` are left
// alone, so that a request whose flow is being added right now is not taken for a lost one.
import type { JobState } from "bullmq";
import { config } from "../config";
import type { PrismaClient } from "../db";
import { forShop } from "../db";
import type { QueueKey } from "../queue/jobs";
import type { Producers } from "../queue/producer";
import { LockTimeoutError, withRedisLock } from "../queue/redis-lock";
import { queueShopCleanup, shopCleanupJobId } from "../webhooks/jobs";
import { requestFlow } from "./flow";
import { enqueuePublish, publishChainJobIds, PUBLISHABLE_STATES, transitionCandidate } from "./review";
import { PIPELINE_STAGES, stageJobId } from "./stages";
import { log as processLog } from "../log";

/** Rows changed more recently than this are in someone's hands (a request being queued, an approval). */
export const RECONCILE_GRACE_MS = 60_000;

export interface ReconcileAction {
  kind: "request" | "image" | "shop-cleanup";
  shop: string;
  /** The generation, candidate or shop. */
  id: string;
  action: "re-added" | "marked failed" | "marked cancelled";
}

export interface ReconcileDeps {
  client: PrismaClient;
  producers: Producers;
  /** The lock that keeps two passes (two workers) from running at once, e.g. "<queue prefix>:reconcile". */
  lockKey: string;
  graceMs?: number;
  now?: () => Date;
}

type JobRef = { queue: QueueKey; jobId: string };

/** A job that is going to run or running; "waiting-children" alone waits for a child that must be here too. */
const RUNNABLE: ReadonlySet<JobState | "unknown"> = new Set(["waiting", "prioritized", "delayed", "active"]);

const REQUEST_FAILED =
  "Something went wrong on our side while this request ran. Please try again; if it keeps failing, contact support.";
const IMAGE_FAILED =
  "Something went wrong while publishing this image. Approve the image again to retry; if it keeps failing, contact support.";

async function states(producers: Producers, jobs: JobRef[]): Promise<Array<JobState | "unknown">> {
  return Promise.all(jobs.map((j) => producers.queue(j.queue).getJobState(j.jobId)));
}

/** Leftovers of a broken chain (finished, or waiting for a child that is gone), parents first. */
async function removeLeftovers(producers: Producers, jobs: JobRef[]): Promise<void> {
  for (const j of jobs) await producers.queue(j.queue).remove(j.jobId, { removeChildren: true });
}

const stageJobs = (generationId: string): JobRef[] =>
  [...PIPELINE_STAGES].reverse().map((s) => ({ queue: s.queue, jobId: stageJobId(generationId, s.name) }));

const chainJobs = (candidateId: string): JobRef[] => {
  const ids = publishChainJobIds(candidateId);
  return [
    { queue: "publish", jobId: ids.publish },
    { queue: "post", jobId: ids.upscale },
  ];
};

async function reconcileRequests(deps: ReconcileDeps, before: Date, actions: ReconcileAction[]): Promise<void> {
  const { client, producers } = deps;
  const open = await client.generation.findMany({
    where: { status: { in: ["queued", "running"] }, updatedAt: { lte: before } },
    orderBy: { createdAt: "asc" },
  });
  for (const g of open) {
    const jobs = stageJobs(g.id);
    const found = await states(producers, jobs);
    if (found.some((s) => RUNNABLE.has(s))) continue;
    const db = forShop(client, g.shop);
    const end = async (status: "failed" | "cancelled", subjectState: string, error: string | null) => {
      const { count } = await db.generation.updateMany({
        where: { id: g.id, status: { in: ["queued", "running"] } },
        data: { status, error, finishedAt: new Date() },
      });
      if (count === 0) return;
      await db.subject.updateMany({
        where: { id: g.subjectId },
        data: { state: subjectState, ...(error ? { lastError: error } : {}) },
      });
      actions.push({ kind: "request", shop: g.shop, id: g.id, action: `marked ${status}` });
    };
    if (g.cancelRequested) {
      // Its jobs were removed (or ended) on the way to "cancelled": finish the cancellation.
      await end("cancelled", "cancelled", null);
    } else if (found.includes("failed")) {
      // A stage failed for good but the request was not marked (the database did not answer then).
      await end("failed", "failed", REQUEST_FAILED);
    } else {
      await removeLeftovers(producers, jobs);
      await producers.flows.add(requestFlow(g));
      actions.push({ kind: "request", shop: g.shop, id: g.id, action: "re-added" });
    }
  }
}

async function reconcileImages(deps: ReconcileDeps, before: Date, actions: ReconcileAction[]): Promise<void> {
  const { client, producers } = deps;
  const pending = await client.candidate.findMany({
    where: { state: { in: PUBLISHABLE_STATES }, updatedAt: { lte: before } },
    orderBy: { createdAt: "asc" },
  });
  for (const c of pending) {
    const jobs = chainJobs(c.id);
    const found = await states(producers, jobs);
    if (found.some((s) => RUNNABLE.has(s))) continue;
    if (found.includes("failed")) {
      // The chain failed for good but the image kept its transient state: the merchant can approve again.
      if (await transitionCandidate(client, c.shop, c.id, PUBLISHABLE_STATES, "failed", { error: IMAGE_FAILED }))
        actions.push({ kind: "image", shop: c.shop, id: c.id, action: "marked failed" });
      continue;
    }
    // Upscaling and publishing both pick up from any of these states (publishing is idempotent).
    await removeLeftovers(producers, jobs);
    await enqueuePublish(producers, c.shop, c.id);
    actions.push({ kind: "image", shop: c.shop, id: c.id, action: "re-added" });
  }
}

async function reconcileCleanups(deps: ReconcileDeps, before: Date, actions: ReconcileAction[]): Promise<void> {
  const { client, producers } = deps;
  // A Shop row goes with its cleanup: one still marked uninstalled has its deletion pending.
  const uninstalled = await client.shop.findMany({
    where: { uninstalledAt: { not: null }, updatedAt: { lte: before } },
  });
  for (const shop of uninstalled) {
    const triggeredAt = shop.uninstalledAt!;
    const state = await producers.queue("publish").getJobState(shopCleanupJobId(shop.shop, triggeredAt));
    // A failed cleanup stays in the failed set for an operator to see; only a lost one is queued again.
    if (state !== "unknown") continue;
    await queueShopCleanup(producers, { shop: shop.shop, triggeredAt: triggeredAt.toISOString() });
    actions.push({ kind: "shop-cleanup", shop: shop.shop, id: shop.shop, action: "re-added" });
  }
}

/**
 * One pass: every open request, image on its way to the product, and uninstalled shop gets its jobs
 * back if Redis lost them. Returns what it did, or null when another pass holds the lock.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileAction[] | null> {
  const before = new Date((deps.now?.() ?? new Date()).getTime() - (deps.graceMs ?? RECONCILE_GRACE_MS));
  const actions: ReconcileAction[] = [];
  try {
    // Renewed while the pass runs: a worker killed mid-pass holds up the next passes for at most 30 s.
    const lock = { ttlMs: 30_000, renewEveryMs: 10_000, waitMs: 0 };
    await withRedisLock(deps.producers.connection, deps.lockKey, lock, async () => {
      await reconcileRequests(deps, before, actions);
      await reconcileImages(deps, before, actions);
      await reconcileCleanups(deps, before, actions);
    });
  } catch (error) {
    if (error instanceof LockTimeoutError) return null;
    throw error;
  }
  return actions;
}

export function describeAction(a: ReconcileAction): string {
  const what = a.kind === "request" ? "request" : a.kind === "image" ? "image" : "uninstall cleanup of";
  return `${a.shop}: ${what} ${a.kind === "shop-cleanup" ? "the shop" : a.id} ${a.action}`;
}

/**
 * Runs a pass now and then every `intervalMs` (0: never), logging what each pass rebuilt. stop()
 * waits for a pass under way.
 */
export function startReconciler(deps: ReconcileDeps & { intervalMs: number; log?: (line: string) => void }): {
  stop(): Promise<void>;
} {
  const log = deps.log ?? ((line) => processLog.info(line));
  if (deps.intervalMs <= 0) return { stop: async () => {} };
  let running: Promise<void> = Promise.resolve();
  const pass = () => {
    running = reconcile(deps).then(
      (actions) => {
        for (const a of actions ?? []) log(`reconcile: ${describeAction(a)}`);
      },
      (error: Error) => log(`reconcile: pass failed (${error.message}); trying again in ${deps.intervalMs} ms`),
    );
  };
  pass();
  const timer = setInterval(pass, deps.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** This process's reconciler: the configured interval, database and producers. */
export function startConfiguredReconciler(client: PrismaClient, producers: Producers): { stop(): Promise<void> } {
  const cfg = config();
  return startReconciler({
    client,
    producers,
    lockKey: reconcileLockKey(cfg.queuePrefix),
    intervalMs: cfg.reconcileIntervalMs,
  });
}

export const reconcileLockKey = (queuePrefix: string) => `${queuePrefix}:reconcile`;
