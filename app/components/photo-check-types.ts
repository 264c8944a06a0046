// The dataset check as the studio shows it, whether it comes from the last request (the worker's
// report) or from a preview of the photos picked now. Photo ids are Shopify media ids.

export interface PhotoVerdictView {
  mediaId: string;
  use: boolean;
  rank: number;
  reason: string | null;
}

export interface PhotoIssueView {
  code: string;
  severity: "blocking" | "warning" | "info";
  message: string;
  mediaIds: string[];
}

export interface PhotoCheckView {
  source: "preview" | "last-request";
  status: "ok" | "warning" | "blocked";
  usableCount: number;
  backgroundDiversity: { medianDeltaE: number | null; threshold: number; low: boolean };
  photos: PhotoVerdictView[];
  issues: PhotoIssueView[];
  /** The media the check covered, sorted. */
  mediaIds: string[];
}

export const sameMediaSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((id, i) => id === [...b].sort()[i]);
