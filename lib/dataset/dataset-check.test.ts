import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { dreambenchDir } from "../shared-data";
import { preparePhoto } from "../images/prepare-photo";
import { busyPhoto, squareMatte } from "../../tests/harness/busy-photo";
import { checkDataset, type DatasetPhotoInput } from "./dataset-check";

async function subjectPhotos(subject: string): Promise<DatasetPhotoInput[]> {
  const dir = path.join(dreambenchDir(), subject);
  const files = (await readdir(dir)).filter((f) => f.endsWith(".jpg")).sort();
  return Promise.all(
    files.map(async (file) => {
      const prepared = await preparePhoto(await readFile(path.join(dir, file)));
      return {
        id: `${subject}/${file}`,
        png: prepared.png,
        sourceWidth: prepared.source.width,
        sourceHeight: prepared.source.height,
      };
    }),
  );
}

async function asInput(id: string, photo: Buffer): Promise<DatasetPhotoInput> {
  const prepared = await preparePhoto(photo);
  return { id, png: prepared.png, sourceWidth: prepared.source.width, sourceHeight: prepared.source.height };
}

describe("checkDataset on catalog packshots (tests/fixtures/packshots)", () => {
  const packshot = (name: string) =>
    readFile(path.join(import.meta.dirname, "../../tests/fixtures/packshots", `${name}.png`));
  const poses = ["carton-0", "carton-1", "carton-2", "carton-3"];

  it("passes four distinct poses of one product on white: the backdrop no longer makes them duplicates", async () => {
    const report = await checkDataset(await Promise.all(poses.map(async (p) => asInput(p, await packshot(p)))));
    expect(report.photos.map((p) => p.reason ?? "used")).toEqual(poses.map(() => "used"));
    expect(report.photos.map((p) => p.backdrop?.plain)).toEqual(poses.map(() => true));
    expect(report.usableCount).toBe(4);
    expect(report.issues.map((i) => i.code)).not.toContain("near_duplicate");
    // One white backdrop is still one background, but the product can be cut out: augmented, not stopped.
    expect(report.backgroundDiversity.low).toBe(true);
    expect(report.status).toBe("warning"); // 4 photos: fewer than 5
    expect(report.augmentation).toEqual({ augmented: true, compositesPerPhoto: 2 });
    expect(report.issues.find((i) => i.code === "background_augmented")).toMatchObject({
      severity: "info",
      message: expect.stringMatching(/^Plain background: augmented automatically\./),
      photoIds: expect.arrayContaining(poses),
    });
    expect(report.issues.map((i) => i.code)).not.toContain("low_background_diversity");
  });

  it("makes one or two packshots usable with a warning, filled up with composites", async () => {
    for (const count of [1, 2]) {
      const set = await Promise.all(poses.slice(0, count).map(async (p) => asInput(p, await packshot(p))));
      const report = await checkDataset(set);
      expect(report.status, `${count}`).toBe("warning");
      expect(
        report.issues.find((i) => i.code === "too_few_photos"),
        `${count}`,
      ).toMatchObject({
        severity: "warning",
        message: expect.stringMatching(/enough with the product placed on generated backgrounds/),
      });
      expect(report.augmentation, `${count}`).toEqual({ augmented: true, compositesPerPhoto: count === 1 ? 4 : 2 });
    }
  });

  it("still flags an exact copy, a re-encode and a 5 % crop of one packshot", async () => {
    const original = await packshot("carton-0");
    const copies: Array<[string, Buffer]> = [
      ["copy", original],
      ["re-encoded", await sharp(original).jpeg({ quality: 60 }).toBuffer()],
      ["cropped", await sharp(original).extract({ left: 0, top: 40, width: 760, height: 760 }).png().toBuffer()],
    ];
    for (const [id, copy] of copies) {
      const set = await Promise.all(poses.map(async (p) => asInput(p, await packshot(p))));
      const report = await checkDataset([
        ...set,
        { ...(await asInput(id, copy)), sourceWidth: 400, sourceHeight: 400 },
      ]);
      expect(
        report.photos.find((p) => p.id === id),
        id,
      ).toMatchObject({
        use: false,
        reason: "near-duplicate of carton-0: it adds no new view of the product",
      });
      expect(report.usableCount, id).toBe(4);
    }
  });
});

describe("checkDataset on busy backgrounds with a segmentation model", () => {
  // Three photos on one kind of busy background (noise of one grey), the product in other places.
  const products = [
    { left: 120, top: 100, size: 180 },
    { left: 260, top: 200, size: 200 },
    { left: 60, top: 240, size: 160 },
  ];
  let set: DatasetPhotoInput[];
  beforeAll(async () => {
    set = await Promise.all(
      products.map(async (product, i) => ({
        id: `busy-${i}`,
        png: await busyPhoto(512, 512, product, 11 + i),
        sourceWidth: 1024,
        sourceHeight: 1024,
      })),
    );
  });
  /** A fake segmenter (BiRefNet's weights are never fetched in tests) that finds each photo's product. */
  const goodSegment = async (png: Buffer) => squareMatte(png, products[set.findIndex((p) => p.png === png)]!);

  it("stops the set without the model, as before", async () => {
    const report = await checkDataset(set);
    expect(report.status).toBe("blocked");
    expect(report.issues.map((i) => i.code)).toContain("low_background_diversity");
    expect(report.photos.map((p) => p.backdrop?.matte)).toEqual(["border", "border", "border"]);
  });

  it("augments the set when the model's mattes are trusted", async () => {
    const report = await checkDataset(set, { segment: goodSegment });
    expect(report.augmentation).toEqual({ augmented: true, compositesPerPhoto: 2 });
    expect(report.status).not.toBe("blocked");
    expect(report.photos.map((p) => [p.use, p.backdrop?.plain, p.backdrop?.matte])).toEqual(
      products.map(() => [true, false, "model"]),
    );
    expect(report.issues.find((i) => i.code === "background_augmented")?.message).toMatch(
      /^One background: augmented automatically\..*told apart from the product by the segmentation model\.$/,
    );
  });

  it("reports a missing or failing model and judges the set without it", async () => {
    for (const options of [
      { segmenterProblem: "segmentation model missing or unreadable in data/models/segment/real" },
      {
        segment: async () => {
          throw new Error("segmentation model missing or unreadable in data/models/segment/real");
        },
      },
    ]) {
      const report = await checkDataset(set, options);
      expect(report.status).toBe("blocked");
      expect(report.issues.find((i) => i.code === "segmenter_unavailable")).toMatchObject({
        severity: "info",
        message:
          "The segmentation model could not be used (segmentation model missing or unreadable in data/models/segment/real), so busy backgrounds were judged without it.",
      });
    }
  });
});

describe("checkDataset on DreamBench subjects", () => {
  const sets: Record<string, DatasetPhotoInput[]> = {};
  beforeAll(async () => {
    for (const subject of ["backpack", "candle", "berry_bowl", "teapot", "vase"])
      sets[subject] = await subjectPhotos(subject);
  });

  it("passes sets shot in several places (backpack, candle, teapot, vase)", async () => {
    for (const subject of ["backpack", "candle", "teapot", "vase"]) {
      const report = await checkDataset(sets[subject]!);
      expect(report.backgroundDiversity.low, subject).toBe(false);
      expect(report.backgroundDiversity.medianDeltaE!, subject).toBeGreaterThan(20);
      expect(report.status, subject).not.toBe("blocked");
      expect(report.usableCount, subject).toBe(sets[subject]!.length);
      expect(report.augmentation?.augmented, `${subject}: a busy background is left as it is`).toBe(false);
    }
  });

  it("flags a set shot on one background (berry_bowl: every photo on the same white cloth)", async () => {
    const report = await checkDataset(sets.berry_bowl!);
    expect(report.status).toBe("blocked");
    expect(report.backgroundDiversity.low).toBe(true);
    expect(report.backgroundDiversity.medianDeltaE!).toBeLessThan(8);
    const issue = report.issues.find((i) => i.code === "low_background_diversity");
    expect(issue?.message).toMatch(/share nearly the same background/);
    // Plain, but the white bowl leaks into the white cloth: no clean cut-out, so no augmentation.
    expect(report.photos.every((p) => p.backdrop?.plain)).toBe(true);
    expect(report.augmentation?.augmented).toBe(false);
    expect(report.issues.find((i) => i.code === "augmentation_unavailable")).toMatchObject({
      severity: "info",
      message: expect.stringMatching(/could not be told apart from the background in 6 photos/),
    });
  });

  it("drops a near-duplicate (a re-encoded, slightly cropped copy) and keeps the sharper original", async () => {
    const original = sets.teapot![0]!;
    const copy = await sharp(original.png)
      .extract({ left: 20, top: 20, width: 728, height: 728 })
      .resize(768, 768)
      .jpeg({ quality: 60 })
      .toBuffer();
    const report = await checkDataset([
      ...sets.teapot!,
      { id: "copy", png: await sharp(copy).png().toBuffer(), sourceWidth: 400, sourceHeight: 400 },
    ]);
    expect(report.photos.find((p) => p.id === "copy")).toMatchObject({
      use: false,
      reason: expect.stringMatching(/near-duplicate of teapot\/00.jpg/),
    });
    expect(report.photos.find((p) => p.id === original.id)?.use).toBe(true);
    expect(report.usableCount).toBe(sets.teapot!.length);
  });

  it("leaves out a blank photo, which would otherwise knock out a real photo on a plain backdrop as its near-duplicate", async () => {
    const blank = await sharp({ create: { width: 768, height: 768, channels: 3, background: "#b43c28" } })
      .png()
      .toBuffer();
    const report = await checkDataset([
      { id: "blank", png: blank, sourceWidth: 4000, sourceHeight: 4000 },
      ...sets.teapot!,
    ]);
    expect(report.photos.find((p) => p.id === "blank")).toMatchObject({
      use: false,
      reason: "one flat colour: it shows no product",
    });
    expect(report.issues.find((i) => i.code === "blank_photo")?.message).toBe(
      "Photo blank is one flat colour and is not used.",
    );
    expect(report.photos.filter((p) => p.id !== "blank").map((p) => p.reason ?? "used")).toEqual(
      sets.teapot!.map(() => "used"),
    );
  });

  it("blocks fewer than 3 photos and warns under 5", async () => {
    const two = await checkDataset(sets.candle!.slice(0, 2));
    expect(two.status).toBe("blocked");
    expect(two.issues.map((i) => i.code)).toContain("too_few_photos");
    const four = await checkDataset(sets.candle!.slice(0, 4));
    expect(four.status).toBe("warning");
    expect(four.issues.map((i) => i.code)).toContain("few_photos");
    const none = await checkDataset([]);
    expect(none.status).toBe("blocked");
    expect(none.backgroundDiversity.medianDeltaE).toBeNull();
  });

  it("uses the 7 most varied of 12 photos and explains the extras", async () => {
    const twelve = [...sets.backpack!, ...sets.candle!, sets.teapot![0]!];
    const report = await checkDataset(twelve);
    expect(report.usableCount).toBe(7);
    const extras = report.photos.filter((p) => !p.use);
    expect(extras).toHaveLength(5);
    for (const extra of extras) expect(extra.reason).toMatch(/extra photo|near-duplicate/);
    expect(
      report.photos
        .filter((p) => p.use)
        .map((p) => p.rank)
        .sort((a, b) => a - b),
    ).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("warns about photos below 768 px", async () => {
    const report = await checkDataset(sets.backpack!);
    expect(report.issues.find((i) => i.code === "low_resolution")?.photoIds).toEqual(["backpack/00.jpg"]);
  });
});
