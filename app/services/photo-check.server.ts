// The dataset check before any request: the same preparation and the same check the worker runs
// (lib/images, lib/dataset: sharp only, no model), on the photos the merchant picks, so that
// the studio can show which photos will be used and warn about one-background sets before Start.
import pLimit from "p-limit";
import type { DatasetReport } from "../../lib/dataset/dataset-check";
import { checkDataset } from "../../lib/dataset/dataset-check";
import { PhotoRejectedError } from "../../lib/images/photo-errors";
import { preparePhoto } from "../../lib/images/prepare-photo";
import { downloadImage, ImageDownloadError } from "../../lib/shopify-admin";
import type { PhotoCheckView } from "../components/photo-check-types";

export interface PhotoToCheck {
  mediaId: string;
  /** "#3": how the studio names the photo; used in the check's messages. */
  label: string;
  url: string;
}

const CACHE_SIZE = 200;
const cache = new Map<string, Promise<PhotoCheckView>>();
// A photo may be 20 MB and its decode several times that: the web process prepares two at a time
// (across all shops), and each shop has one check running; a shop's next check waits for it.
const preparing = pLimit(2);
const running = new Map<string, Promise<unknown>>();

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
    })),
    issues: report.issues.map((i) => ({
      code: i.code,
      severity: i.severity,
      message: relabel(i.message, idLabels),
      mediaIds: i.photoIds.map(media),
    })),
    mediaIds: [...idToMedia.values()].sort(),
  };
}

async function run(photos: PhotoToCheck[]): Promise<PhotoCheckView> {
  const rejected = new Map<string, string>();
  const prepared = await Promise.all(
    photos.map((photo) =>
      preparing(async () => {
        try {
          const { bytes } = await downloadImage(photo.url);
          const result = await preparePhoto(bytes);
          return {
            id: photo.mediaId,
            png: result.png,
            sourceWidth: result.source.width,
            sourceHeight: result.source.height,
            crop: { box: result.crop, padding: result.padding },
          };
        } catch (error) {
          if (error instanceof PhotoRejectedError) rejected.set(photo.mediaId, error.reason);
          else if (error instanceof ImageDownloadError)
            rejected.set(photo.mediaId, `The file could not be read from Shopify: ${error.message}`);
          else throw error;
          return null;
        }
      }),
    ),
  );
  const report = await checkDataset(prepared.filter((p) => p !== null));
  // Unreadable photos are part of the picture the merchant sees: excluded, with the reason.
  for (const [mediaId, reason] of rejected) report.photos.push({ id: mediaId, use: false, rank: 0, reason });
  const ids = new Map(photos.map((p) => [p.mediaId, p.mediaId]));
  const labels = new Map(photos.map((p) => [p.mediaId, p.label]));
  return reportView(report, ids, labels, "preview");
}

/** Checks the photos (cached by shop and photo URLs, which change when a file changes). */
export function previewPhotoCheck(shop: string, photos: PhotoToCheck[]): Promise<PhotoCheckView> {
  const key = `${shop}\n${photos
    .map((p) => `${p.mediaId} ${p.label} ${p.url}`)
    .sort()
    .join("\n")}`;
  let hit = cache.get(key);
  if (!hit) {
    const previous = running.get(shop) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(() => run(photos));
    running.set(shop, current);
    void current.finally(() => running.get(shop) === current && running.delete(shop)).catch(() => undefined);
    hit = current;
    hit.catch(() => cache.delete(key));
    cache.set(key, hit);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  return hit;
}
