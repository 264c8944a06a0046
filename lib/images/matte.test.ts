import { readFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { dreambenchDir } from "../shared-data";
import { plainBackdropMatte } from "./matte";

const packshots = path.join(import.meta.dirname, "../../tests/fixtures/packshots");

describe("plainBackdropMatte", () => {
  it("finds the product on a white or grey packshot and trusts the matte", async () => {
    for (const [name, colour] of [
      ["carton-0", { r: 255, g: 255, b: 255 }],
      ["carton-grey", { r: 217, g: 217, b: 217 }],
    ] as const) {
      const matte = await plainBackdropMatte(await readFile(path.join(packshots, `${name}.png`)));
      expect(matte, name).toMatchObject({ plain: true, borderBackdrop: 1, backdrop: colour });
      // The carton spans 70 % of the frame's height, centred (scripts/make-packshots.ts).
      expect(matte.box!.top, name).toBeCloseTo(0.15, 1);
      expect(matte.box!.bottom, name).toBeCloseTo(0.85, 1);
      expect(matte.productShare, name).toBeGreaterThan(0.2);
    }
  });

  it("does not trust a busy background or a flat frame", async () => {
    const wild = await plainBackdropMatte(await readFile(path.join(dreambenchDir(), "candle", "00.jpg")));
    expect(wild.plain).toBe(false);
    expect(wild.borderBackdrop).toBeLessThan(0.8);
    const flat = await sharp({ create: { width: 300, height: 300, channels: 3, background: "#fff" } })
      .png()
      .toBuffer();
    expect(await plainBackdropMatte(flat)).toMatchObject({ plain: false, box: null, productShare: 0 });
  });
});
