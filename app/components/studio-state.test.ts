import { describe, expect, it } from "vitest";
import type { PhotoCheckView } from "./photo-check-types";
import { startProblem } from "./start-problem";
import { photoCheckState } from "./use-photo-check";

const view = (mediaIds: string[], issues: PhotoCheckView["issues"] = []): PhotoCheckView => ({
  source: "preview",
  status: issues.length ? "blocked" : "ok",
  usableCount: mediaIds.length,
  backgroundDiversity: { medianDeltaE: 20, threshold: 8, low: false },
  photos: mediaIds.map((mediaId, i) => ({ mediaId, use: true, rank: i + 1, reason: null })),
  issues,
  mediaIds: [...mediaIds].sort(),
});
const lowDiversity = {
  code: "low_background_diversity",
  severity: "blocking" as const,
  message: "one background",
  mediaIds: [],
};
const tooFew = { code: "too_few_photos", severity: "blocking" as const, message: "too few", mediaIds: [] };

describe("the studio's start problem", () => {
  const ready = {
    photoCount: 5,
    sceneCount: 2,
    classNounValid: true,
    check: view(["a", "b"]),
    allowLowDiversity: false,
  };

  it("does not start a request that does not fit in what is left of the daily image limit", () => {
    const images = (requested: number, leftToday: number) => ({
      ...ready,
      images: { requested, leftToday, resetsAt: "2026-12-07T00:00:00.000Z" },
    });
    expect(startProblem(images(24, 24))).toBeNull();
    expect(startProblem(images(24, 10))).toBe(
      "Only 10 images are left today: pick fewer scenes or images (the limit resets at 00:00 UTC on December 7).",
    );
    expect(startProblem(images(1, 0))).toBe(
      "No images are left today; the daily limit resets at 00:00 UTC on December 7.",
    );
  });

  it("names the first thing to fix, in the merchant's order", () => {
    expect(startProblem(ready)).toBeNull();
    expect(startProblem({ ...ready, photoCount: 0, sceneCount: 0 })).toBe("Pick the photos to learn from.");
    expect(startProblem({ ...ready, sceneCount: 0, classNounValid: false })).toBe("Pick at least one scene.");
    expect(startProblem({ ...ready, classNounValid: false, check: view(["a"], [tooFew]) })).toBe("Fix the class noun.");
    expect(startProblem({ ...ready, check: view(["a"], [lowDiversity, tooFew]) })).toBe(
      "Fix the photo check's problems first.",
    );
    expect(startProblem({ ...ready, check: view(["a"], [lowDiversity]) })).toMatch(/^The photos share one background/);
  });

  it("lets a one-background set start once the merchant continues anyway, and without a check", () => {
    expect(startProblem({ ...ready, check: view(["a"], [lowDiversity]), allowLowDiversity: true })).toBeNull();
    expect(startProblem({ ...ready, check: null })).toBeNull();
  });

  it("is not held up by a border-only check while the segmentation model's check is pending", () => {
    const pending: PhotoCheckView = { ...view(["a"], [lowDiversity, tooFew]), modelCheck: "pending" };
    expect(startProblem({ ...ready, check: pending })).toBeNull();
    expect(startProblem({ ...ready, check: { ...pending, modelCheck: "failed" } })).toBe(
      "Fix the photo check's problems first.",
    );
  });
});

describe("the studio's photo check state", () => {
  const idle = (data?: { check: PhotoCheckView | null; error: string | null }) => ({ state: "idle" as const, data });

  it("shows the last request's check when it covered the picked photos, whatever the preview says", () => {
    const last = view(["b", "a"]);
    expect(photoCheckState(["a", "b"], last, { state: "loading", data: { check: null, error: "boom" } })).toEqual({
      check: last,
      checking: false,
      error: null,
    });
  });

  it("is checking until a preview of exactly these photos arrives", () => {
    expect(photoCheckState(["a", "b"], view(["a"]), idle())).toEqual({ check: null, checking: true, error: null });
    expect(photoCheckState(["a", "b"], null, idle({ check: view(["a"]), error: null }))).toEqual({
      check: null,
      checking: true,
      error: null,
    });
    const preview = view(["a", "b"]);
    expect(photoCheckState(["b", "a"], null, idle({ check: preview, error: null }))).toEqual({
      check: preview,
      checking: false,
      error: null,
    });
    expect(photoCheckState(["a", "b"], null, { state: "loading", data: { check: preview, error: null } })).toEqual({
      check: preview,
      checking: true,
      error: null,
    });
  });

  it("keeps a pending check on screen while the studio asks again", () => {
    const pending: PhotoCheckView = { ...view(["a", "b"]), modelCheck: "pending" };
    expect(photoCheckState(["a", "b"], null, { state: "loading", data: { check: pending, error: null } })).toEqual({
      check: pending,
      checking: false,
      error: null,
    });
  });

  it("stops checking on an error or when no photo is picked", () => {
    expect(photoCheckState(["a"], null, idle({ check: null, error: "The photos could not be checked." }))).toEqual({
      check: null,
      checking: false,
      error: "The photos could not be checked.",
    });
    expect(photoCheckState([], null, { state: "loading", data: undefined })).toEqual({
      check: null,
      checking: false,
      error: null,
    });
  });
});
