// The dataset check before any request, on the photos the merchant picks: the same download,
// preparation and check the worker runs (lib/dataset/check-photos.ts), so that the studio can show
// which photos will be used and warn about one-background sets before Start. The app runs no model:
// when a used photo's border matte makes no clean cut-out (a busy background), the worker checks the
// photos again with the segmentation model (the photo-check job), and the studio shows its answer.
import { createHash } from "node:crypto";
import type { Job } from "bullmq";
import pLimit from "p-limit";
import {
  checkPickedPhotos,
  needsSegmenter,
  type PhotoCheckResult,
  type PhotoToCheck,
} from "../../lib/dataset/check-photos";
import { segmenterUnavailable, type DatasetReport } from "../../lib/dataset/dataset-check";
import { PRIORITY, type PhotoCheckJob } from "../../lib/queue/jobs";
import type { Producers } from "../../lib/queue/producer";
import type { ModelCheck, PhotoCheckView } from "../components/photo-check-types";
import { appProducers } from "./queues.server";

export type { PhotoToCheck };

const CACHE_SIZE = 200;
const cache = new Map<string, Promise<DatasetReport>>();
// A photo may be 20 MB and its decode several times that: the web process prepares two at a time
// (across all shops), and each shop has one check running; a shop's next check waits for it.
const preparing = pLimit(2);
const running = new Map<string, Promise<unknown>>();

/** How long the worker's answer stays in Redis for the studio's next polls (and a failed one before a retry). */
export const MODEL_CHECK_KEPT_S = 3600;

/** Replaces the check's photo ids in its messages with the labels the merchant sees. */
function relabel(text: string, labels: Map<string, string>): string {
  let out = text;
  for (const [id, label] of labels) out = out.split(id).join(label);
  return out;
}

/** A worker DatasetReport (photo ids = `idToMedia` keys) as the studio shows it. */
export function reportView(
  report: DatasetReport,
  idToMedia: Map<string, string>,
  labels: Map<string, string>,
  source: PhotoCheckView["source"],
  modelCheck?: ModelCheck,
): PhotoCheckView {
  const idLabels = new Map([...idToMedia].map(([id, mediaId]) => [id, labels.get(mediaId) ?? "a photo"]));
  const media = (id: string) => idToMedia.get(id) ?? id;
  return {
    source,
    status: report.status,
    usableCount: report.usableCount,
    backgroundDiversity: report.backgroundDiversity,
    photos: report.photos.map((p) => ({
      mediaId: media(p.id),
      use: p.use,
      rank: p.rank,
      reason: p.reason ? relabel(p.reason, idLabels) : null,
      crop: p.crop ?? null,
      plainBackdrop: p.backdrop?.plain ?? null,
      // Reports from before `cutOut` knew only the border matte, whose rule is `plain`.
      cutOut: p.backdrop ? (p.backdrop.cutOut ?? p.backdrop.plain) : null,
      matte: p.backdrop ? (p.backdrop.matte ?? "border") : null,
    })),
    issues: report.issues.map((i) => ({
      code: i.code,
      severity: i.severity,
      message: relabel(i.message, idLabels),
      mediaIds: i.photoIds.map(media),
    })),
    mediaIds: [...idToMedia.values()].sort(),
    ...(modelCheck ? { modelCheck } : {}),
  };
}

/** The photo-check job of these photos: the same photos (and files) give the same id, so polls add it once. */
export function photoCheckJobId(shop: string, photos: readonly PhotoToCheck[]): string {
  const files = photos.map((p) => `${p.mediaId} ${p.url}`).sort();
  return `photo-check-${createHash("sha256")
    .update([shop, ...files].join("\n"))
    .digest("hex")
    .slice(0, 32)}`;
}

type ModelAnswer = { state: "pending" } | { state: "done"; report: DatasetReport } | { state: "failed"; why: string };

/** Why the worker's check failed, in the merchant's words (one line). */
function failureReason(job: Job): string {
  const reason = (job.failedReason ?? "").split("\n")[0]!;
  if (/stalled/i.test(reason)) return "the worker stopped while checking these photos";
  return reason ? `the check failed: ${reason}` : "the check failed";
}

/** Finds or adds the worker's check of these photos. A failed one is removed once read, so a later poll tries again. */
async function modelAnswer(producers: Producers, shop: string, photos: readonly PhotoToCheck[]): Promise<ModelAnswer> {
  const queue = producers.queue("ingest");
  const jobId = photoCheckJobId(shop, photos);
  const job =
    ((await queue.getJob(jobId)) as Job | undefined) ??
    (await queue.add("photo-check", { shop, photos: [...photos] } satisfies PhotoCheckJob, {
      jobId,
      priority: PRIORITY.interactive,
      // The merchant is waiting: no retries in the background; the next poll asks again.
      attempts: 1,
      removeOnComplete: { age: MODEL_CHECK_KEPT_S },
      removeOnFail: { age: MODEL_CHECK_KEPT_S },
    }));
  const state = await job.getState();
  if (state === "completed") return { state: "done", report: (job.returnvalue as PhotoCheckResult).report };
  if (state === "failed") {
    await job.remove().catch(() => undefined);
    return { state: "failed", why: failureReason(job) };
  }
  return { state: "pending" };
}

/** The border-only check of the photos (cached by shop and photo URLs, which change when a file changes). */
function localReport(shop: string, photos: readonly PhotoToCheck[]): Promise<DatasetReport> {
  const key = `${shop}\n${photos
    .map((p) => `${p.mediaId} ${p.url}`)
    .sort()
    .join("\n")}`;
  let hit = cache.get(key);
  if (!hit) {
    const previous = running.get(shop) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(() => checkPickedPhotos(photos, { limit: preparing }));
    running.set(shop, current);
    void current.finally(() => running.get(shop) === current && running.delete(shop)).catch(() => undefined);
    hit = current;
    hit.catch(() => cache.delete(key));
    cache.set(key, hit);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  return hit;
}

/**
 * Checks the photos: with their border mattes here, and with the worker's segmentation model when a
 * busy background needs it (pending until the worker answers; the studio polls again).
 */
export async function previewPhotoCheck(
  shop: string,
  photos: PhotoToCheck[],
  producers: () => Producers = appProducers,
): Promise<PhotoCheckView> {
  const local = await localReport(shop, photos);
  const ids = new Map(photos.map((p) => [p.mediaId, p.mediaId]));
  const labels = new Map(photos.map((p) => [p.mediaId, p.label]));
  const view = (report: DatasetReport, modelCheck: ModelCheck) =>
    reportView(report, ids, labels, "preview", modelCheck);
  if (!needsSegmenter(local)) return view(local, "not-needed");
  let answer: ModelAnswer;
  try {
    answer = await modelAnswer(producers(), shop, photos);
  } catch (error) {
    console.error("photo check: the segmentation check could not be queued", error);
    answer = { state: "failed", why: "the job queue did not answer" };
  }
  if (answer.state === "done") return view(answer.report, "done");
  if (answer.state === "pending") return view(local, "pending");
  const used = local.photos.filter((p) => p.use).map((p) => p.id);
  return view({ ...local, issues: [...local.issues, segmenterUnavailable(answer.why, used)] }, "failed");
}
