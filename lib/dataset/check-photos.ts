// The dataset check of photos picked in the studio, before any request: downloaded from Shopify,
// prepared as the prepare stage prepares them, and checked. The app runs it without a model (the
// border mattes only); the worker's photo-check job runs it with the segmentation model, for sets
// whose border mattes make no clean cut-out. One function, so that the two answers differ only by
// the model.
import { PhotoRejectedError } from "../images/photo-errors";
import { preparePhoto } from "../images/prepare-photo";
import { downloadImage, ImageDownloadError } from "../shopify-admin";
import { checkDataset, type DatasetCheckOptions, type DatasetReport } from "./dataset-check";

export interface PhotoToCheck {
  mediaId: string;
  /** "#3": how the studio names the photo; used in the check's messages. */
  label: string;
  url: string;
}

/** What the worker's photo-check job returns. */
export interface PhotoCheckResult {
  /** The check's report, photo ids = media ids (photos that could not be read are in it, excluded). */
  report: DatasetReport;
  /** Seconds in the segmentation model. */
  modelSeconds: number;
}

export interface PhotoCheckOptions extends DatasetCheckOptions {
  /** Runs each photo's download and preparation (the app bounds how many run at once). */
  limit?: <T>(task: () => Promise<T>) => Promise<T>;
}

/** The report of `photos`, by media id; a photo that cannot be read or used is in it, excluded, with the reason. */
export async function checkPickedPhotos(
  photos: readonly PhotoToCheck[],
  { limit = (task) => task(), ...options }: PhotoCheckOptions = {},
): Promise<DatasetReport> {
  const rejected = new Map<string, string>();
  const prepared = await Promise.all(
    photos.map((photo) =>
      limit(async () => {
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
  const report = await checkDataset(
    prepared.filter((p) => p !== null),
    options,
  );
  // Unreadable photos are part of the picture the merchant sees: excluded, with the reason.
  for (const [mediaId, reason] of rejected) report.photos.push({ id: mediaId, use: false, rank: 0, reason });
  return report;
}

/**
 * Whether the segmentation model could change the report: a used photo whose border matte makes no
 * clean cut-out (the only photos checkDataset asks the model about).
 */
export function needsSegmenter(report: DatasetReport): boolean {
  return report.photos.some((p) => p.use && p.backdrop?.matte !== "model" && p.backdrop?.trusted === false);
}
