// Everything SceneBooth keeps about one shop, counted and deleted: Shopify sessions, the shop's rows
// in every table, its blobs (photos, adapters/weights, candidates: one prefix), its queued jobs,
// and its work folders on the GPU hosts (a broadcast each GPU worker acts on). Used on app/uninstalled and shop/redact by the app, and usable by the worker.
import { forShop, type PrismaClient } from "../db";
import type { Producers } from "../queue/producer";
import { shopPrefix, type BlobStore } from "../storage";
import { countShopJobs, removeShopJobs } from "./shop-jobs";
import { broadcastWorkDirPurge } from "./workdir-purge";

export interface ShopData {
  sessions: number;
  shops: number;
  subjects: number;
  trainingImages: number;
  tuningRuns: number;
  generations: number;
  candidates: number;
  webhookEvents: number;
  usageRecords: number;
  brandPresets: number;
  blobs: number;
}

export interface LifecycleDeps {
  client: PrismaClient;
  store: BlobStore;
  producers: Producers;
}

export async function countShopData(
  { client, store }: Omit<LifecycleDeps, "producers">,
  shop: string,
): Promise<ShopData> {
  const db = forShop(client, shop);
  const [
    sessions,
    shops,
    subjects,
    trainingImages,
    tuningRuns,
    generations,
    candidates,
    webhookEvents,
    usageRecords,
    brandPresets,
    blobs,
  ] = await Promise.all([
    client.session.count({ where: { shop } }),
    db.shop.count(),
    db.subject.count(),
    db.trainingImage.count(),
    db.tuningRun.count(),
    db.generation.count(),
    db.candidate.count(),
    db.webhookEvent.count(),
    db.usageRecord.count(),
    db.brandPreset.count(),
    store.list(shopPrefix(shop)).then((keys) => keys.length),
  ]);
  return {
    sessions,
    shops,
    subjects,
    trainingImages,
    tuningRuns,
    generations,
    candidates,
    webhookEvents,
    usageRecords,
    brandPresets,
    blobs,
  };
}

export { countShopJobs };

export interface DeletionReport {
  /** Open requests marked cancelRequested before their rows went (running stages stop on it). */
  cancelledGenerations: number;
  jobsRemoved: number;
  /** Jobs a worker was running; they stop at their next cancellation check. */
  jobsKept: number;
  /** GPU workers that got the message to remove the shop's work folder (each acknowledges: workDirPurgeAcks). */
  workHostsNotified: number;
  deleted: ShopData;
}

/**
 * Deletes the shop's data. Idempotent: a second run (a redelivered webhook, shop/redact after
 * app/uninstalled) finds nothing and deletes nothing. Every step runs even if an earlier one
 * failed; the first failure is thrown at the end, so a retry finishes the job.
 */
export async function deleteShopData(
  { client, store, producers }: LifecycleDeps,
  shop: string,
  options: { exceptJobId?: string } = {},
): Promise<DeletionReport> {
  const db = forShop(client, shop);
  const errors: unknown[] = [];
  const step = async <T>(fn: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      errors.push(error);
      return fallback;
    }
  };

  const cancelled = await step(
    () =>
      db.generation.updateMany({ where: { status: { in: ["queued", "running"] } }, data: { cancelRequested: true } }),
    { count: 0 },
  );
  const jobs = await step(() => removeShopJobs(producers, shop, options), { removed: 0, kept: 0 });
  const blobs = await step(() => store.deleteByPrefix(shopPrefix(shop)), 0);
  // Children before parents; deleting subjects would cascade, but counting each table says what went.
  const rows = await step(
    async () => {
      const candidates = (await db.candidate.deleteMany()).count;
      const generations = (await db.generation.deleteMany()).count;
      const tuningRuns = (await db.tuningRun.deleteMany()).count;
      const trainingImages = (await db.trainingImage.deleteMany()).count;
      const subjects = (await db.subject.deleteMany()).count;
      const webhookEvents = (await db.webhookEvent.deleteMany()).count;
      const usageRecords = (await db.usageRecord.deleteMany()).count;
      const brandPresets = (await db.brandPreset.deleteMany()).count;
      const shops = (await db.shop.deleteMany()).count;
      return {
        candidates,
        generations,
        tuningRuns,
        trainingImages,
        subjects,
        webhookEvents,
        usageRecords,
        brandPresets,
        shops,
      };
    },
    {
      candidates: 0,
      generations: 0,
      tuningRuns: 0,
      trainingImages: 0,
      subjects: 0,
      webhookEvents: 0,
      usageRecords: 0,
      brandPresets: 0,
      shops: 0,
    },
  );
  const sessions = await step(async () => (await client.session.deleteMany({ where: { shop } })).count, 0);
  // Last: a job starting after this finds its request gone before it writes any work file.
  const workHostsNotified = await step(() => broadcastWorkDirPurge(producers, shop), 0);

  if (errors.length) throw errors[0];
  return {
    cancelledGenerations: cancelled.count,
    jobsRemoved: jobs.removed,
    jobsKept: jobs.kept,
    workHostsNotified,
    deleted: { ...rows, sessions, blobs },
  };
}

/** One log line for a deletion. */
export function deletionSummary(shop: string, report: DeletionReport): string {
  const d = report.deleted;
  return (
    `deleted ${shop}'s data: ${d.sessions} sessions, ${d.subjects} products, ${d.generations} requests, ${d.candidates} candidates, ` +
    `${d.blobs} blobs, ${report.jobsRemoved} queued jobs (${report.jobsKept} running, told to stop); ` +
    `${report.workHostsNotified} GPU workers told to remove its work folder`
  );
}
