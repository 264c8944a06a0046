// The studio's photo check, shared by the app (border mattes only) and the worker's photo-check job
// (with the segmentation model): photos on one kind of busy background are stopped without the model,
// and cut out (augmented, fit for exact mode) when the model's matte is trusted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noPackshot } from "../../app/components/mode-picker";
import { reportView } from "../../app/services/photo-check.server";
import { busyPhoto, discMatte } from "../../tests/harness/busy-photo";
import { photoServer, type PhotoServer } from "../../tests/harness/photo-server";
import { checkPickedPhotos, needsSegmenter, type PhotoToCheck } from "./check-photos";

let server: PhotoServer;
let photos: PhotoToCheck[];
beforeAll(async () => {
  server = await photoServer();
  photos = await Promise.all(
    [0, 1, 2].map(async (i) => ({
      mediaId: `gid://shopify/MediaImage/${i}`,
      label: `#${i + 1}`,
      url: server.add(`busy-${i}`, await busyPhoto(900, 900, { left: 330, top: 330, size: 240 }, 11 + i)),
    })),
  );
});
afterAll(() => server?.close());

const view = (report: Awaited<ReturnType<typeof checkPickedPhotos>>) =>
  reportView(
    report,
    new Map(photos.map((p) => [p.mediaId, p.mediaId])),
    new Map(photos.map((p) => [p.mediaId, p.label])),
    "preview",
  );

describe("checkPickedPhotos", () => {
  it("without the model: busy backgrounds are not cut out, and the model would be needed", async () => {
    const report = await checkPickedPhotos(photos);
    expect(report.photos.map((p) => [p.use, p.backdrop?.matte, p.backdrop?.trusted, p.backdrop?.cutOut])).toEqual(
      photos.map(() => [true, "border", false, false]),
    );
    expect(report.status).toBe("blocked");
    expect(needsSegmenter(report)).toBe(true);
    const shown = view(report);
    expect(shown.photos.map((p) => [p.cutOut, p.matte])).toEqual(photos.map(() => [false, "border"]));
    expect(noPackshot(shown)).toBe(true);
    expect(noPackshot({ ...shown, modelCheck: "pending" })).toBe(false);
  });

  it("with a segmenter whose mattes are trusted: every photo is cut out, augmented, and fit for exact mode", async () => {
    const report = await checkPickedPhotos(photos, { segment: discMatte });
    expect(report.photos.map((p) => [p.use, p.backdrop?.matte, p.backdrop?.trusted, p.backdrop?.cutOut])).toEqual(
      photos.map(() => [true, "model", true, true]),
    );
    expect(report.augmentation?.augmented).toBe(true);
    expect(report.status).not.toBe("blocked");
    expect(needsSegmenter(report)).toBe(false);
    const shown = view(report);
    expect(shown.photos.map((p) => [p.cutOut, p.matte])).toEqual(photos.map(() => [true, "model"]));
    expect(noPackshot(shown)).toBe(false);
    expect(shown.issues.find((i) => i.code === "background_augmented")?.message).toMatch(/segmentation model/);
  });

  it("keeps a photo it cannot read in the report, excluded with the reason", async () => {
    const report = await checkPickedPhotos([
      ...photos,
      { mediaId: "gone", label: "#9", url: `${server.base}/gone.png` },
    ]);
    expect(report.photos.find((p) => p.id === "gone")).toMatchObject({
      use: false,
      reason: expect.stringMatching(/could not be read/),
    });
  });
});
