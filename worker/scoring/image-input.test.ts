import { describe, expect, it } from "vitest";
import { BAD_IMAGES } from "./bad-images";
import { ImageInputError } from "./errors";
import { decodeRgb } from "./image-input";

describe("decodeRgb: bad inputs give a typed error or a documented conversion", () => {
  for (const bad of BAD_IMAGES) {
    it(bad.name, async () => {
      const bytes = await bad.bytes();
      if ("error" in bad.expect) {
        const error = await decodeRgb(bytes).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ImageInputError);
        expect((error as ImageInputError).code).toBe(bad.expect.error);
        return;
      }
      const image = await decodeRgb(bytes);
      expect(image.data.length).toBe(image.width * image.height * 3);
      expect(image.conversions.join("; ")).toMatch(bad.expect.conversion);
      const rgb = bad.expect.rgb;
      if (rgb) {
        const centre = ((image.height >> 1) * image.width + (image.width >> 1)) * 3;
        const got = Array.from(image.data.subarray(centre, centre + 3));
        got.forEach((v, i) => expect(Math.abs(v - rgb[i]!)).toBeLessThanOrEqual(10)); // JPEG and CMYK round trips are lossy
      }
    });
  }

  it("a missing file is unreadable, not a crash", async () => {
    await expect(decodeRgb("/nonexistent/photo.jpg")).rejects.toMatchObject({ code: "unreadable" });
  });

  it("limits are configurable", async () => {
    const bytes = await BAD_IMAGES[2]!.bytes(); // 96x64
    await expect(decodeRgb(bytes, { minSide: 65, maxPixels: 1e6 })).rejects.toMatchObject({ code: "too_small" });
    await expect(decodeRgb(bytes, { minSide: 8, maxPixels: 96 * 64 - 1 })).rejects.toMatchObject({ code: "too_large" });
  });
});
