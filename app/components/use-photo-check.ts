import { useFetcher } from "@remix-run/react";
import { useEffect } from "react";
import { sameMediaSet, type PhotoCheckView } from "./photo-check-types";

const CHECK_DEBOUNCE_MS = 300;

export interface PhotoCheckState {
  check: PhotoCheckView | null;
  checking: boolean;
  error: string | null;
}

interface PreviewFetch {
  state: "idle" | "loading" | "submitting";
  data: { check: PhotoCheckView | null; error: string | null } | undefined;
}

/** What the studio shows for the picked photos: the last request's check when it covered them, else the preview's. */
export function photoCheckState(
  mediaIds: readonly string[],
  lastCheck: PhotoCheckView | null,
  preview: PreviewFetch,
): PhotoCheckState {
  if (lastCheck !== null && sameMediaSet(lastCheck.mediaIds, mediaIds))
    return { check: lastCheck, checking: false, error: null };
  const error = preview.data?.error ?? null;
  const check = preview.data?.check ?? null;
  const current = check !== null && sameMediaSet(check.mediaIds, mediaIds);
  if (mediaIds.length === 0 || error) return { check: current ? check : null, checking: false, error };
  return { check: current ? check : null, checking: preview.state !== "idle" || !current, error };
}

/**
 * The dataset check of the photos picked now: the last request's when it covered the same photos,
 * else a preview loaded from the photo-check route once the selection has been still for a moment.
 */
export function usePhotoCheck(
  productId: string,
  mediaIds: readonly string[],
  lastCheck: PhotoCheckView | null,
): PhotoCheckState {
  const fetcher = useFetcher<{ check: PhotoCheckView | null; error: string | null }>();
  const { load } = fetcher;
  const lastCheckApplies = lastCheck !== null && sameMediaSet(lastCheck.mediaIds, mediaIds);
  // The selection as a value (sorted ids), so that the same photos in another order load nothing new.
  const selection = [...mediaIds].sort().join(",");

  useEffect(() => {
    if (lastCheckApplies || selection === "") return;
    const timer = setTimeout(() => {
      const params = new URLSearchParams(selection.split(",").map((id) => ["mediaId", id]));
      load(`/app/products/${productId}/photo-check?${params}`);
    }, CHECK_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [selection, lastCheckApplies, productId, load]);

  return photoCheckState(mediaIds, lastCheck, fetcher);
}
