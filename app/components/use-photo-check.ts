import { useFetcher } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { NO_BACKOFF, nextBackoff, pollDelayMs, type Backoff } from "./poll-backoff";
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
  // A pending answer stays on screen while the studio asks again.
  const refreshing = current && check.modelCheck === "pending";
  return { check: current ? check : null, checking: (preview.state !== "idle" && !refreshing) || !current, error };
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

  const url = `/app/products/${productId}/photo-check?${new URLSearchParams(selection.split(",").map((id) => ["mediaId", id]))}`;
  useEffect(() => {
    if (lastCheckApplies || selection === "") return;
    const timer = setTimeout(() => load(url), CHECK_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [selection, lastCheckApplies, url, load]);

  // While the worker's segmentation model checks busy backgrounds, ask again, less and less often.
  const backoff = useRef<Backoff>(NO_BACKOFF);
  const answer = fetcher.data?.check;
  const pending =
    !lastCheckApplies &&
    answer?.modelCheck === "pending" &&
    sameMediaSet(answer.mediaIds, selection === "" ? [] : selection.split(","));
  useEffect(() => {
    if (!pending) {
      backoff.current = NO_BACKOFF;
      return;
    }
    backoff.current = nextBackoff(backoff.current, "pending");
    const timer = setTimeout(() => load(url), pollDelayMs(backoff.current));
    return () => clearTimeout(timer);
  }, [pending, answer, url, load]);

  return photoCheckState(mediaIds, lastCheck, fetcher);
}
